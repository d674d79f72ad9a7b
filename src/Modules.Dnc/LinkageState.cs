using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>Recurrent state of the temporal linkage.</summary>
/// <param name="Link">L, [B, W, N, N]: L[i, j] ≈ how much cell i was written right after cell j.</param>
/// <param name="PrecedenceWeights">p, [B, W, N]: how much each cell was the last one written.</param>
[State]
public readonly partial record struct LinkageState(Tensor Link, Tensor PrecedenceWeights);
