using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>Recurrent state of a <see cref="Sam"/>.</summary>
/// <param name="AccessOutput">The previous read words, [B, R, Wd].</param>
/// <param name="Access">Memory, sparse read and write weights, usage.</param>
/// <param name="Controller">The LSTM's h and c, [B, H] each.</param>
[State]
public readonly partial record struct SamState(Tensor AccessOutput, SparseAccessState Access, LstmState Controller);
