using System.Text;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// Shows a bAbI episode as its words, each answer in brackets where the '-' was fed:
/// <c>mary went to the kitchen . where is mary ? [kitchen]</c>; with logits, the model's word follows and a <c>*</c>
/// marks a wrong one: <c>[kitchen | garden*]</c>.
/// </summary>
/// <param name="vocabulary">The words the one-hot channels stand for.</param>
public sealed class BabiEpisodeRenderer(BabiVocabulary vocabulary) : IEpisodeRenderer
{
    private readonly BabiVocabulary vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));

    /// <inheritdoc/>
    public string Render(DatasetTensors batch, Tensor? logits = null, bool wholeBatch = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int steps = batch.Observations.Dim(0), width = batch.Observations.Dim(1);
        var entries = new List<string>();
        for (int b = 0; b < (wholeBatch ? width : 1); b++)
        {
            var sb = new StringBuilder();
            for (int t = 0; t < steps; t++)
            {
                if (batch.Mask.At(t, b) != 0f)
                {
                    string target = Word(batch.Targets, t, b);
                    sb.Append(" [").Append(target);
                    if (logits is not null)
                    {
                        string answer = Word(logits, t, b);
                        sb.Append(" | ").Append(answer).Append(answer == target ? "" : "*");
                    }
                    sb.Append(']');
                }
                else if (batch.Observations.Values.Slice((t * width + b) * vocabulary.Count, vocabulary.Count).ContainsAnyExcept(0f))
                    sb.Append(' ').Append(Word(batch.Observations, t, b));
            }
            entries.Add(sb.ToString().TrimStart());
        }
        return "\n" + string.Join("\n\n", entries);
    }

    /// <summary>The word of the row's largest channel.</summary>
    private string Word(Tensor t, int step, int b)
    {
        var row = t.Values.Slice((step * t.Dim(1) + b) * t.Dim(2), t.Dim(2));
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return vocabulary.Words[best];
    }
}
