using Modules.Dnc.Tasks.Babi;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks.Babi;

/// <summary>
/// The learning check's single-supporting-fact task, answered by hand-written players that read only the one-hot words a
/// model is fed, scored by the task's own metric and score: a player that remembers each person's last place answers
/// every question, so the answer is determined by the inputs, the '-' steps carry the targets, and the vocabulary decodes.
/// </summary>
public sealed class OracleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("babi-oracle-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>
    /// Logits [T, B, V] of a player that reads the words of each entry and, at each '-' step, names
    /// <paramref name="answer"/>(the words so far) as a one-hot; other steps stay zero (not scored).
    /// </summary>
    private static Tensor Play(BabiVocabulary v, DatasetTensors batch, Func<IReadOnlyList<string>, string> answer)
    {
        int steps = batch.Observations.Dim(0), entries = batch.Observations.Dim(1), width = v.Count;
        var logits = new float[steps * entries * width];
        for (int b = 0; b < entries; b++)
        {
            var words = new List<string>();
            for (int t = 0; t < steps; t++)
            {
                var row = batch.Observations.Values.Slice((t * entries + b) * width, width);
                int hot = row.IndexOf(1f);
                if (hot < 0) break; // padding
                Assert.Equal(1f, row.ToArray().Sum());
                if (v.Words[hot] == BabiVocabulary.AnswerMarker) logits[(t * entries + b) * width + v.IndexOf(answer(words))] = 1f;
                words.Add(v.Words[hot]);
            }
        }
        return new Tensor(logits, steps, entries, width);
    }

    /// <summary>The place named in the last statement "&lt;person&gt; … the &lt;place&gt; ." about the person asked after.</summary>
    private static string LastPlace(IReadOnlyList<string> words)
    {
        // words end "where is <person> ?"; a statement is the words between two '.' (or the start).
        Assert.Equal("?", words[^1]);
        string person = words[^2];
        string? place = null;
        int start = 0;
        for (int i = 0; i < words.Count; i++)
        {
            if (words[i] is "." or "?" or BabiVocabulary.AnswerMarker)
            {
                if (words[i] == "." && words[start] == person) place = words[i - 1];
                start = i + 1;
            }
        }
        return place ?? throw new InvalidOperationException($"no statement places {person}");
    }

    [Fact]
    public void Remembering_each_persons_last_place_answers_every_single_supporting_fact_question()
    {
        File.WriteAllText(Path.Combine(dir, "qa1_single-supporting-fact_train.txt"), BabiStyleGenerator.Stories(1, new Generator(1), 200));
        File.WriteAllText(Path.Combine(dir, "qa1_single-supporting-fact_test.txt"), BabiStyleGenerator.Stories(1, new Generator(2), 100));
        var data = BabiDataset.Load(dir);
        var v = data.Vocabulary;
        // The paper's tokens: lower-cased words, '.', '?' and the answer marker.
        Assert.Contains(".", v.Words);
        Assert.Contains("?", v.Words);
        Assert.Contains("-", v.Words);
        Assert.All(v.Words, w => Assert.Equal(w.ToLowerInvariant(), w));
        var task = new BabiTask(data, batchSize: 100);
        var batch = v.Encode(data.Test);
        var logits = Play(v, batch, LastPlace);
        var score = new BabiScore();
        task.Score(data.Test, logits, batch, score);
        Assert.Equal((500, 500), score.PerTask[1]);
        Assert.Equal(0f, task.Metric(logits, batch));

        // Answering the place of the last statement instead (the recency a model without a lookup can learn) is wrong
        // on about half the questions here, as the check's LSTM is.
        var recent = Play(v, batch, words => words[words.ToList().LastIndexOf(".") - 1]);
        score = new BabiScore();
        task.Score(data.Test, recent, batch, score);
        Assert.InRange(score.Error(1), 0.35, 0.75);
    }
}
