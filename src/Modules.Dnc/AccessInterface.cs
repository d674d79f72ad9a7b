using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The controller's instructions to the memory for one step (the paper's interface vector ξ), as the raw,
/// pre-activation outputs of the interface heads, each reshaped to <c>[B, dims...]</c>.
/// R read heads, W write heads, Wd word size; read modes per read head = 1 + 2W. The generator derives the
/// head sizes from the declared dimensions: <c>PartSizes(reads, word, writes, modes)</c>, <c>PartNames</c>
/// (<c>read_keys</c>, …) and <c>FromParts</c>.
/// </summary>
/// <param name="ReadKeys">k^r, [B, R, Wd] (linear).</param>
/// <param name="ReadStrengths">β^r before softplus, [B, R].</param>
/// <param name="WriteKeys">k^w, [B, W, Wd] (linear).</param>
/// <param name="WriteStrengths">β^w before softplus, [B, W].</param>
/// <param name="EraseVectors">e before sigmoid, [B, W, Wd].</param>
/// <param name="WriteVectors">v, [B, W, Wd] (linear).</param>
/// <param name="FreeGate">f before sigmoid, [B, R].</param>
/// <param name="AllocationGate">g^a before sigmoid, [B, W].</param>
/// <param name="WriteGate">g^w before sigmoid, [B, W].</param>
/// <param name="ReadMode">π before softmax, [B, R, 1 + 2W]: W backward, W forward, 1 content.</param>
[Parts]
public readonly partial record struct AccessInterface(
    [Part("reads", "word")] Tensor ReadKeys,
    [Part("reads")] Tensor ReadStrengths,
    [Part("writes", "word")] Tensor WriteKeys,
    [Part("writes")] Tensor WriteStrengths,
    [Part("writes", "word")] Tensor EraseVectors,
    [Part("writes", "word")] Tensor WriteVectors,
    [Part("reads")] Tensor FreeGate,
    [Part("writes")] Tensor AllocationGate,
    [Part("writes")] Tensor WriteGate,
    [Part("reads", "modes")] Tensor ReadMode);
