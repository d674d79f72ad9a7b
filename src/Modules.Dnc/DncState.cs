using Modules.Dnc.Access;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>Recurrent state of a <see cref="Dnc"/>.</summary>
/// <param name="AccessOutput">The previous read words, [B, R, Wd].</param>
/// <param name="Access">Memory, read and write weights, linkage and usage.</param>
/// <param name="Controller">The LSTM's h and c, [B, H] each.</param>
[State]
public readonly partial record struct DncState(Tensor AccessOutput, AccessState Access, LstmState Controller);
