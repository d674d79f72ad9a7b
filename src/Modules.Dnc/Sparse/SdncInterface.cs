using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary><see cref="SamInterface"/>'s parts and the read modes of <see cref="Sdnc"/>.</summary>
/// <param name="ReadKeys">Read keys, [B, R, Wd] (linear).</param>
/// <param name="ReadStrengths">β before softplus, [B, R].</param>
/// <param name="WriteVector">a, the word added, [B, Wd] (linear).</param>
/// <param name="EraseVector">e before sigmoid, [B, Wd].</param>
/// <param name="WriteGate">α before sigmoid, [B].</param>
/// <param name="InterpolationGate">γ before sigmoid, [B].</param>
/// <param name="ReadMode">π before softmax, [B, R, 3]: backward, forward, content (the DNC's layout with one write head).</param>
[Parts]
public readonly partial record struct SdncInterface(
    [Part("reads", "word")] Tensor ReadKeys,
    [Part("reads")] Tensor ReadStrengths,
    [Part("word")] Tensor WriteVector,
    [Part("word")] Tensor EraseVector,
    [Part] Tensor WriteGate,
    [Part] Tensor InterpolationGate,
    [Part("reads", "3")] Tensor ReadMode);
