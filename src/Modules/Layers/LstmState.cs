using Modules.Tensors;

namespace Modules;

/// <summary>The state of an <see cref="Lstm"/>.</summary>
/// <param name="Hidden">h, [B, H].</param>
/// <param name="Cell">c, [B, H].</param>
[State]
public readonly partial record struct LstmState(Tensor Hidden, Tensor Cell);
