using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// What one step of a memory access did, in the dense layout every access can produce, for visualisation and debugging
/// (detached tensors; sparse accesses scatter their touched rows into zeros). Every core reports the weights; the other
/// members are null where an access does not keep them.
/// </summary>
/// <param name="WriteWeights">Write weights, [B, W, N].</param>
/// <param name="ReadWeights">Read weights, [B, R, N].</param>
/// <param name="Usage">Per-row usage, [B, N] (the DNC's u before this step's write; the sparse cores' steps since last access).</param>
/// <param name="ReadModes">Read modes after the softmax, [B, R, 1 + 2W] (W backward, W forward, 1 content), for accesses with temporal links.</param>
/// <param name="Memory">The memory after this step's write, [B, N, Wd].</param>
/// <param name="Link">The temporal link matrices after this step, [B, W, N, N], for accesses that keep dense links.</param>
public sealed record MemoryTrace(Tensor WriteWeights, Tensor ReadWeights, Tensor? Usage = null, Tensor? ReadModes = null,
    Tensor? Memory = null, Tensor? Link = null);
