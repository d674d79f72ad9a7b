using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// What one step of any memory core did to its memory, in the dense layout every core can produce, for visualisation
/// (detached tensors; sparse cores scatter their K touched rows into zeros).
/// </summary>
/// <param name="WriteWeights">Write weights, [B, W, N].</param>
/// <param name="ReadWeights">Read weights, [B, R, N].</param>
/// <param name="Usage">Per-row usage, [B, N], for cores that track it (null otherwise).</param>
public sealed record MemoryTrace(Tensor WriteWeights, Tensor ReadWeights, Tensor? Usage);
