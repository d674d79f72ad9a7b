using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks.Graph;

/// <summary>
/// The learning check's first traversal lesson, answered by hand-written players that see only what a model sees (the
/// observation tensors), scored by the task's own accuracy: a perfect player shows the answer is determined by the inputs
/// and that the targets and mask line up with the answer steps; a player that copies the query and guesses the
/// destination shows what the check calls chance.
/// </summary>
public sealed class OracleTests
{
    /// <summary>The steps of entry <paramref name="b"/>: (observation row, is it an answer step).</summary>
    private static IEnumerable<(int Step, float[] Obs)> Steps(DatasetTensors batch, int b)
    {
        int steps = batch.Observations.Dim(0), width = batch.Observations.Dim(2), entries = batch.Observations.Dim(1);
        for (int t = 0; t < steps; t++) yield return (t, batch.Observations.Values.Slice((t * entries + b) * width, width).ToArray());
    }

    /// <summary>
    /// Logits [T, B, 90] a player gives: at each answer step (answer flag on) it emits the triple
    /// <paramref name="answer"/> returns from the description triples seen so far, the source and edge the walk is at,
    /// and the entry; every other step is left zero (not scored).
    /// </summary>
    private static Tensor Play(DatasetTensors batch, Func<IReadOnlyList<GraphTriple>, int, int, int, int> answer)
    {
        int steps = batch.Observations.Dim(0), entries = batch.Observations.Dim(1);
        var logits = new float[steps * entries * TripleEncoding.TripleSize];
        for (int b = 0; b < entries; b++)
        {
            var description = new List<GraphTriple>();
            var edges = new Queue<int>();
            int node = TripleEncoding.Blank;
            foreach (var (t, obs) in Steps(batch, b))
            {
                var triple = TripleEncoding.Read(obs);
                if (obs[TripleEncoding.AnswerFlag] == 1f)
                {
                    int edge = edges.Dequeue(), next = answer(description, node, edge, b);
                    TripleEncoding.Write(new GraphTriple(node, edge, next), logits.AsSpan((t * entries + b) * TripleEncoding.TripleSize, TripleEncoding.TripleSize));
                    node = next;
                }
                else if (obs[TripleEncoding.QueryFlag] == 1f)
                {
                    if (triple.Source != TripleEncoding.Blank) node = triple.Source;
                    edges.Enqueue(triple.Edge);
                }
                else if (triple.Source != TripleEncoding.Blank) description.Add(triple);
            }
        }
        return new Tensor(logits, steps, entries, TripleEncoding.TripleSize);
    }

    [Fact]
    public void The_first_lesson_is_answered_fully_from_the_observations_alone()
    {
        var task = new TraversalTask(batchSize: 64);
        for (ulong seed = 0; seed < 8; seed++)
        {
            var batch = task.SampleEvaluation(new Generator(seed));
            // The description is the whole graph, and (source, edge) names one triple in it.
            var logits = Play(batch, (description, node, edge, _) => description.Single(d => d.Source == node && d.Edge == edge).Destination);
            Assert.Equal(1f, task.Accuracy(logits, batch));
            // One answer per entry, on its last step; the targets are zero off the mask.
            Assert.Equal(64f, batch.Mask.ToArray().Sum());
            Assert.Equal(9f * 64f, batch.Targets.ToArray().Sum());
        }
    }

    [Fact]
    public void Copying_the_query_and_guessing_the_destination_scores_the_checks_chance()
    {
        // learning-check.sh's chance for lesson 0: E[1/(n−1)] over n = 3, 4, 5 nodes drawn uniformly = 36.1 %. The player
        // copies the source and edge and names one of the description's other nodes uniformly at random; 40 batches of 64
        // give a standard error of about 0.8 points.
        var task = new TraversalTask(batchSize: 64);
        var guess = new Generator(99);
        int right = 0, total = 0;
        for (ulong seed = 0; seed < 40; seed++)
        {
            var batch = task.SampleEvaluation(new Generator(seed));
            var logits = Play(batch, (description, node, _, _) =>
            {
                var others = description.SelectMany(d => new[] { d.Source, d.Destination }).Distinct().Where(n => n != node).ToArray();
                return others[guess.NextInt(0, others.Length)];
            });
            right += GraphEpisodes.CorrectAnswers(logits, batch).Count(c => c);
            total += 64;
        }
        Assert.InRange((double)right / total, 0.361 - 0.025, 0.361 + 0.025);
        Assert.Equal((1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 3, 0.361, 3);
    }

    [Fact]
    public void A_wrong_destination_digit_or_a_wrong_query_copy_fails_the_answer()
    {
        // "Fully correct" counts the copied source and edge as well as the destination (the paper's answer is the triple).
        var task = new TraversalTask(batchSize: 16);
        var batch = task.SampleEvaluation(new Generator(3));
        var logits = Play(batch, (description, node, edge, _) => description.Single(d => d.Source == node && d.Edge == edge).Destination);
        Assert.Equal(1f, task.Accuracy(logits, batch));
        int steps = batch.Observations.Dim(0);
        foreach (int group in new[] { 0, 4, 8 }) // source hundreds, edge tens, destination units
        {
            var wrong = logits.Clone();
            // Entry 0's answer is its last masked step: move the group's 1 to the next class.
            int t = Enumerable.Range(0, steps).Last(s => batch.Mask.At(s, 0) == 1f);
            var row = wrong.Data.Slice(t * 16 * TripleEncoding.TripleSize, TripleEncoding.TripleSize).Slice(group * 10, 10);
            int hot = row.IndexOf(1f);
            row[hot] = 0f;
            row[(hot + 1) % 10] = 1f;
            Assert.Equal(15f / 16f, task.Accuracy(wrong, batch));
        }
    }
}
