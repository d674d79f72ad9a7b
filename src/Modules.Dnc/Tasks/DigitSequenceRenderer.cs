using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// Shows a batch of <see cref="AddingTask"/> or <see cref="ArgmaxTask"/> entry by entry: <c>Input: 3 0 4 1</c> (the digits
/// read back from the one-hot observations), <c>Target: 8</c> and, with logits, <c>Model Output: 7.6234</c> (the core's
/// value at the answer step).
/// </summary>
public sealed class DigitSequenceRenderer : IEpisodeRenderer
{
    /// <inheritdoc/>
    public string Render(DatasetTensors batch, Tensor? logits = null, bool wholeBatch = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var output = logits is null ? null : SequenceLosses.MaskedValues("DigitSequenceRenderer.Render", logits, batch.Mask);
        return DigitSequences.ToHumanReadable(batch, output, wholeBatch);
    }
}
