using System.Globalization;
using System.Text;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// The episode layout shared by <see cref="AddingTask"/> and <see cref="ArgmaxTask"/> (the PyTorch DNC library's
/// <c>generate_data</c>): L one-hot digits, an end marker, and one number to produce on the end marker's step.
/// </summary>
internal static class DigitSequences
{
    /// <summary>
    /// Draws a batch: all lengths first, then each entry's digits in order (<c>NextInt(0, inputSize − 1)</c>).
    /// Entry b's digits are one-hot at t = 0..L−1, the end marker (channel inputSize−1) at t = L, zeros after;
    /// its target <paramref name="answer"/>(digits) and mask 1 sit at t = L.
    /// </summary>
    public static DatasetTensors Sample(Generator rng, int batch, int inputSize, int minLength, int maxLength,
        Func<int[], float> answer)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = rng.NextInt(minLength, maxLength + 1);
        int steps = lengths.Max() + 1;
        var obs = new float[steps * batch * inputSize];
        var targ = new float[steps * batch];
        var mask = new float[steps * batch];
        for (int b = 0; b < batch; b++)
        {
            int length = lengths[b];
            var digits = new int[length];
            for (int i = 0; i < length; i++)
            {
                digits[i] = rng.NextInt(0, inputSize - 1);
                obs[(i * batch + b) * inputSize + digits[i]] = 1f;
            }
            obs[(length * batch + b) * inputSize + inputSize - 1] = 1f;
            targ[length * batch + b] = answer(digits);
            mask[length * batch + b] = 1f;
        }
        return new DatasetTensors(new Tensor(obs, steps, batch, inputSize), new Tensor(targ, steps, batch, 1),
            new Tensor(mask, steps, batch));
    }

    /// <summary>
    /// Renders entry by entry: <c>Input: 3 0 4 1</c> (the digits read back from the one-hot observations),
    /// <c>Target: 8</c> and, with a prediction, <c>Model Output: 7.6234</c> (the values on the masked step).
    /// </summary>
    public static string ToHumanReadable(DatasetTensors data, Tensor? modelOutput, bool wholeBatch)
    {
        ArgumentNullException.ThrowIfNull(data);
        var obs = data.Observations;
        int steps = obs.Dim(0), batch = obs.Dim(1), size = obs.Dim(2);
        var inv = CultureInfo.InvariantCulture;
        var entries = new List<string>();
        for (int b = 0; b < (wholeBatch ? batch : 1); b++)
        {
            var digits = new List<string>();
            for (int t = 0; t < steps; t++)
            {
                int hot = -1;
                for (int c = 0; c < size; c++) if (obs.At(t, b, c) != 0f) { hot = c; break; }
                if (hot < 0 || hot == size - 1) break;
                digits.Add(hot.ToString(inv));
            }
            int answerStep = -1;
            for (int t = 0; t < steps && answerStep < 0; t++) if (data.Mask.At(t, b) != 0f) answerStep = t;
            var sb = new StringBuilder("Input: ").Append(string.Join(' ', digits));
            if (answerStep >= 0)
            {
                sb.Append("\nTarget: ").Append(data.Targets.At(answerStep, b, 0).ToString("0.####", inv));
                if (modelOutput is not null)
                    sb.Append("\nModel Output: ").Append(modelOutput.At(answerStep, b, 0).ToString("0.0000", inv));
            }
            entries.Add(sb.ToString());
        }
        return "\n" + string.Join("\n\n", entries);
    }
}
