using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// Graph traversal (Graves et al. 2016): after the graph's triples, the query gives a start node and a sequence of
/// edge labels; the model answers with the triples of the path it walks, one per step.
/// </summary>
/// <remarks>
/// Query: <c>(start, e₁, _)</c>, then <c>(_, eᵢ, _)</c> for i = 2…L; answer: <c>(nᵢ₋₁, eᵢ, nᵢ)</c> for i = 1…L. The path is
/// a random walk (each step a uniformly chosen out-edge; it may revisit nodes). Draw order per question: the graph,
/// L, the start, each step's edge, then the description's order.
/// </remarks>
public sealed class TraversalTask : GraphTask
{
    /// <summary>
    /// The curriculum: its last lesson is the paper's final traversal lesson (10–40 nodes, out-degree 2–6, paths of
    /// 1–20 edges); the lessons before it grow the three ranges step by step towards it (our choice of steps).
    /// </summary>
    public static IReadOnlyList<GraphLesson> DefaultLessons { get; } =
    [
        new(3, 5, 1, 2, 1, 1),
        new(5, 10, 2, 3, 1, 2),
        new(5, 15, 2, 3, 1, 4),
        new(10, 20, 2, 4, 1, 6),
        new(10, 25, 2, 5, 1, 9),
        new(10, 30, 2, 5, 1, 12),
        new(10, 35, 2, 6, 1, 16),
        new(10, 40, 2, 6, 1, 20),
    ];

    /// <summary>Creates the task.</summary>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="lessons">The curriculum; <see cref="DefaultLessons"/> when null.</param>
    /// <param name="source">The graphs; the paper's random graphs (<see cref="RandomGraphSource"/>) when null.</param>
    /// <param name="passThreshold">The share of fully correct answers that passes a lesson.</param>
    /// <param name="replayFraction">The share of entries drawn from earlier lessons.</param>
    public TraversalTask(int batchSize = 1, IReadOnlyList<GraphLesson>? lessons = null, GraphSource? source = null,
        float passThreshold = 0.9f, float replayFraction = 0.1f)
        : base(source ?? new RandomGraphSource(), lessons ?? DefaultLessons, batchSize, passThreshold, replayFraction)
    {
    }

    private protected override string LengthName => "path";

    private protected override int MaxQuestionSteps(GraphLesson lesson) => 2 * lesson.MaxLength;

    private protected override GraphQuestion? TryAsk(Generator rng, LabeledGraph graph, int lessonIndex)
    {
        var lesson = Lessons[lessonIndex];
        int length = rng.NextInt(lesson.MinLength, lesson.MaxLength + 1);
        int node = rng.NextInt(0, graph.NodeCount);
        var query = new GraphTriple[length];
        var answer = new GraphTriple[length];
        for (int i = 0; i < length; i++)
        {
            var outs = graph.OutEdges(node);
            if (outs.Count == 0) return null; // a dead end: draw another graph
            var edge = outs[rng.NextInt(0, outs.Count)];
            answer[i] = graph.Triple(edge);
            query[i] = new GraphTriple(i == 0 ? answer[i].Source : TripleEncoding.Blank, edge.Label, TripleEncoding.Blank);
            node = edge.To;
        }
        return new GraphQuestion(DescriptionOf(rng, graph), query, 0, answer, length, lessonIndex);
    }
}
