using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// One graph episode before encoding: the graph description (every edge once, in random order), the query, the
/// planning steps with no input, and the answer the model must give.
/// </summary>
/// <param name="Description">The graph's triples in the order presented.</param>
/// <param name="Query">The query triples, with <see cref="TripleEncoding.Blank"/> for the parts left to the model.</param>
/// <param name="PlanningSteps">Steps with no input between the query and the answer.</param>
/// <param name="Answer">The triples the model must emit, one per answer step.</param>
/// <param name="Length">The question's length for per-length reports: path length, or relation length for inference.</param>
/// <param name="Lesson">The curriculum lesson the question was drawn from.</param>
public sealed record GraphQuestion(IReadOnlyList<GraphTriple> Description, IReadOnlyList<GraphTriple> Query, int PlanningSteps,
    IReadOnlyList<GraphTriple> Answer, int Length, int Lesson)
{
    /// <summary>The episode's number of steps: description, query, planning and answer.</summary>
    public int Steps => Description.Count + Query.Count + PlanningSteps + Answer.Count;
}

/// <summary>Encodes graph questions as a time-major batch, and reads answers back.</summary>
public static class GraphEpisodes
{
    /// <summary>
    /// Encodes one question per batch entry. Entry b's steps: the description triples (no flag), the query triples
    /// with <see cref="TripleEncoding.QueryFlag"/>, the planning steps (all zero), then the answer steps, which carry
    /// only <see cref="TripleEncoding.AnswerFlag"/> as input and the answer triple as target, with mask 1. Shorter
    /// episodes are padded with zeros (mask 0) to the longest.
    /// </summary>
    /// <returns>Observations <c>[T, B, 92]</c>, targets <c>[T, B, 90]</c>, mask <c>[T, B]</c>.</returns>
    public static DatasetTensors Encode(IReadOnlyList<GraphQuestion> questions)
    {
        ArgumentNullException.ThrowIfNull(questions);
        if (questions.Count == 0) throw new ArgumentException("GraphEpisodes.Encode: no questions to encode");
        int batch = questions.Count, steps = questions.Max(q => q.Steps);
        const int obsSize = TripleEncoding.ObservationSize, targSize = TripleEncoding.TripleSize;
        var obs = new float[steps * batch * obsSize];
        var targ = new float[steps * batch * targSize];
        var mask = new float[steps * batch];
        for (int b = 0; b < batch; b++)
        {
            var q = questions[b];
            int t = 0;
            foreach (var triple in q.Description) TripleEncoding.Write(triple, Obs(t++, b));
            foreach (var triple in q.Query)
            {
                TripleEncoding.Write(triple, Obs(t, b));
                Obs(t++, b)[TripleEncoding.QueryFlag] = 1f;
            }
            t += q.PlanningSteps;
            foreach (var triple in q.Answer)
            {
                Obs(t, b)[TripleEncoding.AnswerFlag] = 1f;
                TripleEncoding.Write(triple, targ.AsSpan((t * batch + b) * targSize, targSize));
                mask[t++ * batch + b] = 1f;
            }
        }
        return new DatasetTensors(new Tensor(obs, steps, batch, obsSize), new Tensor(targ, steps, batch, targSize), new Tensor(mask, steps, batch));

        Span<float> Obs(int t, int b) => obs.AsSpan((t * batch + b) * obsSize, obsSize);
    }

    /// <summary>Whether each entry's answer is fully right: every digit of every label on every answer step.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 90]</c>.</param>
    /// <param name="batch">The batch answered (one answer per entry, as <see cref="Encode"/> makes it).</param>
    /// <returns>One flag per batch entry that has an answer, in entry order.</returns>
    public static bool[] CorrectAnswers(Tensor logits, DatasetTensors batch) =>
        AnswerRuns.Correct("GraphEpisodes.CorrectAnswers", logits, batch, TripleEncoding.Classes);

    /// <summary>
    /// The share of fully correct answers per question length, for evaluation on the built-in graphs.
    /// </summary>
    /// <param name="questions">The questions <paramref name="batch"/> was encoded from, in entry order.</param>
    /// <param name="logits">The core's output, <c>[T, B, 90]</c>.</param>
    /// <param name="batch">The encoded batch.</param>
    /// <returns>Length → (fully correct answers, questions), ascending by length.</returns>
    public static SortedDictionary<int, (int Correct, int Total)> AccuracyByLength(IReadOnlyList<GraphQuestion> questions, Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(questions);
        var correct = CorrectAnswers(logits, batch);
        if (correct.Length != questions.Count)
            throw new ArgumentException($"GraphEpisodes.AccuracyByLength: {questions.Count} questions but the batch has {correct.Length} answers");
        var byLength = new SortedDictionary<int, (int Correct, int Total)>();
        for (int i = 0; i < questions.Count; i++)
        {
            byLength.TryGetValue(questions[i].Length, out var counts);
            byLength[questions[i].Length] = (counts.Correct + (correct[i] ? 1 : 0), counts.Total + 1);
        }
        return byLength;
    }
}
