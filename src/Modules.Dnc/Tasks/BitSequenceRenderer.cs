using System.Text;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// Shows a batch of a bit-sequence task (<see cref="RepeatCopy"/>, <see cref="CopyTask"/>) as DeepMind's
/// <c>to_human_readable</c> does: one row per channel, time left to right, <c>-</c> for zero, the integer part otherwise;
/// with logits, the core's rounded bits on the masked steps (<c>round(mask·σ(logits))</c>) under <c>Model Output</c>.
/// </summary>
/// <param name="lastChannelScale">When &gt; 0, the last observation channel (repeat copy's normalised repeat count) is shown
/// multiplied by it and rounded, i.e. un-normalised.</param>
public sealed class BitSequenceRenderer(int lastChannelScale = 0) : IEpisodeRenderer
{
    /// <inheritdoc/>
    public string Render(DatasetTensors batch, Tensor? logits = null, bool wholeBatch = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var obs = batch.Observations;
        var targ = batch.Targets;
        var output = logits is null ? null : SequenceLosses.RoundedBits("BitSequenceRenderer.Render", logits, batch.Mask);
        int steps = obs.Dim(0), size = obs.Dim(1), obsSize = obs.Dim(2), targSize = targ.Dim(2);
        var entries = new List<string>();
        for (int b = 0; b < (wholeBatch ? size : 1); b++)
        {
            var sb = new StringBuilder("Observations:");
            for (int c = 0; c < obsSize; c++)
            {
                bool scaled = lastChannelScale > 0 && c == obsSize - 1;
                sb.Append('\n').Append(ReadableRows.Row(steps, t =>
                {
                    float v = obs.At(t, b, c);
                    return scaled ? MathF.Round(v * lastChannelScale, MidpointRounding.ToEven) : v;
                }));
            }
            sb.Append("\n\nTargets:");
            for (int c = 0; c < targSize; c++) sb.Append('\n').Append(ReadableRows.Row(steps, t => targ.At(t, b, c)));
            if (output is not null)
            {
                sb.Append("\n\nModel Output:");
                for (int c = 0; c < targSize; c++) sb.Append('\n').Append(ReadableRows.Row(steps, t => output.At(t, b, c)));
            }
            entries.Add(sb.ToString());
        }
        return "\n" + string.Join("\n\n\n\n", entries);
    }
}
