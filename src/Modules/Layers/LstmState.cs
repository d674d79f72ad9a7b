using Modules.Tensors;

namespace Modules;

/// <summary>The state of an <see cref="Lstm"/>: the hidden output <c>h</c> and the cell <c>c</c>, both <c>[B, H]</c>.</summary>
/// <param name="Hidden">The previous output <c>h</c>, <c>[B, H]</c>.</param>
/// <param name="Cell">The cell state <c>c</c>, <c>[B, H]</c>.</param>
[State]
public readonly partial record struct LstmState(Tensor Hidden, Tensor Cell);
