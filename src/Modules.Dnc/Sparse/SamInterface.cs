using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The controller's instructions to a sparse memory for one step, as the raw outputs of the interface heads (one linear
/// head per part, named by the generated <c>PartNames</c>: <c>read_keys</c>, <c>read_strengths</c>, <c>write_vector</c>,
/// <c>erase_vector</c>, <c>write_gate</c>, <c>interpolation_gate</c>, and for <see cref="Sdnc"/> <c>read_mode</c>).
/// </summary>
/// <param name="ReadKeys">Read keys, [B, R, Wd] (linear).</param>
/// <param name="ReadStrengths">β before softplus, [B, R].</param>
/// <param name="WriteVector">a, the word added, [B, Wd] (linear).</param>
/// <param name="EraseVector">e before sigmoid, [B, Wd].</param>
/// <param name="WriteGate">α before sigmoid, [B].</param>
/// <param name="InterpolationGate">γ before sigmoid, [B]: 1 writes to the rows read last step, 0 to the least recently used row.</param>
[Parts]
public readonly partial record struct SamInterface(
    [Part("reads", "word")] Tensor ReadKeys,
    [Part("reads")] Tensor ReadStrengths,
    [Part("word")] Tensor WriteVector,
    [Part("word")] Tensor EraseVector,
    [Part] Tensor WriteGate,
    [Part] Tensor InterpolationGate);
