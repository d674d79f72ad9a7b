using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>Recurrent state of an <see cref="Sdnc"/>.</summary>
/// <param name="AccessOutput">The previous read words, [B, R, Wd].</param>
/// <param name="Access">Memory, sparse read and write weights, usage.</param>
/// <param name="Links">The sparse temporal link and precedence.</param>
/// <param name="Controller">The LSTM's h and c, [B, H] each.</param>
[State]
public readonly partial record struct SdncState(Tensor AccessOutput, SparseAccessState Access, SparseLinkState Links, LstmState Controller);
