using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// What the write heads put into memory, raw (pre-activation), for W heads: <c>PartNames</c> are <c>erase_vectors</c> and
/// <c>add_vectors</c>.
/// </summary>
/// <param name="EraseVectors">e before sigmoid, [B, W, Wd].</param>
/// <param name="AddVectors">a, [B, W, Wd] (linear, as in the paper).</param>
[Parts]
public readonly partial record struct NtmWriteInterface(
    [Part("heads", "word")] Tensor EraseVectors,
    [Part("heads", "word")] Tensor AddVectors);
