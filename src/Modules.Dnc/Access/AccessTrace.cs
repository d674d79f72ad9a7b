using Modules.Tensors;

namespace Modules.Dnc.Access;

/// <summary>What one memory access step did, for visualisation and debugging (detached tensors).</summary>
/// <param name="WriteWeights">[B, W, N].</param>
/// <param name="ReadWeights">[B, R, N].</param>
/// <param name="Usage">Usage after freeing, before this step's write, [B, N].</param>
/// <param name="ReadModes">Softmaxed read modes, [B, R, 1 + 2W] (W backward, W forward, 1 content).</param>
/// <param name="AllocationGate">[B, W], in [0, 1].</param>
/// <param name="WriteGate">[B, W], in [0, 1].</param>
public sealed record AccessTrace(Tensor WriteWeights, Tensor ReadWeights, Tensor Usage, Tensor ReadModes, Tensor AllocationGate, Tensor WriteGate);
