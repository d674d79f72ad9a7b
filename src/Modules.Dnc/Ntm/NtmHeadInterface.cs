using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The raw (pre-activation) addressing parameters the controller emits for H heads, each reshaped to <c>[B, dims...]</c>;
/// <see cref="NtmAddressing.Address"/> applies the activations. The generator derives <c>PartSizes(heads, word)</c>,
/// <c>PartNames</c> (<c>keys</c>, <c>strengths</c>, <c>gates</c>, <c>shifts</c>, <c>sharpening</c>) and <c>FromParts</c>.
/// </summary>
/// <param name="Keys">k, [B, H, Wd] (linear).</param>
/// <param name="Strengths">β before softplus, [B, H].</param>
/// <param name="Gates">g before sigmoid, [B, H].</param>
/// <param name="Shifts">s before softmax, [B, H, 3], ordered (−1, 0, +1).</param>
/// <param name="Sharpening">γ before <c>1 + softplus</c>, [B, H].</param>
[Parts]
public readonly partial record struct NtmHeadInterface(
    [Part("heads", "word")] Tensor Keys,
    [Part("heads")] Tensor Strengths,
    [Part("heads")] Tensor Gates,
    [Part("heads", "3")] Tensor Shifts,
    [Part("heads")] Tensor Sharpening);
