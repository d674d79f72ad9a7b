using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// Shortest path (Graves et al. 2016): after the graph's triples, the query gives a source and a destination; a fixed
/// number of planning steps with no input follow; then the model answers with the triples of the shortest path.
/// </summary>
/// <remarks>
/// Query: one step <c>(source, _, destination)</c>; answer: the path's triples. The paper does not say (in what we
/// follow) how it scores a question with several shortest paths; we ask only questions whose shortest path is unique
/// (found by breadth-first search with path counting), so the target is well defined. Draw order per question: the
/// graph, L, then a pair uniformly among those whose unique shortest path has L edges (another graph when there is
/// none), then the description's order. Ten planning steps by default (our choice; the paper fixes a number of planning steps).
/// </remarks>
public sealed class ShortestPathTask : GraphTask
{
    /// <summary>
    /// The curriculum: it ends at the paper's final graph size (10–40 nodes, out-degree 2–6); the path lengths (up to 5)
    /// and the steps towards the final lesson are our choice.
    /// </summary>
    public static IReadOnlyList<GraphLesson> DefaultLessons { get; } =
    [
        new(3, 5, 1, 2, 1, 1),
        new(5, 10, 2, 3, 1, 2),
        new(5, 15, 2, 4, 1, 3),
        new(10, 25, 2, 5, 1, 4),
        new(10, 40, 2, 6, 1, 5),
    ];

    /// <summary>Creates the task.</summary>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="lessons">The curriculum; <see cref="DefaultLessons"/> when null.</param>
    /// <param name="source">The graphs; the paper's random graphs when null.</param>
    /// <param name="planningSteps">Steps with no input between the query and the answer.</param>
    /// <param name="passThreshold">The share of fully correct answers that passes a lesson.</param>
    /// <param name="replayFraction">The share of entries drawn from earlier lessons.</param>
    public ShortestPathTask(int batchSize = 1, IReadOnlyList<GraphLesson>? lessons = null, GraphSource? source = null,
        int planningSteps = 10, float passThreshold = 0.9f, float replayFraction = 0.1f)
        : base(source ?? new RandomGraphSource(), lessons ?? DefaultLessons, batchSize, passThreshold, replayFraction)
    {
        if (planningSteps < 0) throw new ArgumentException($"ShortestPathTask: planningSteps must not be negative, got {planningSteps}");
        PlanningSteps = planningSteps;
    }

    /// <summary>Steps with no input between the query and the answer.</summary>
    public int PlanningSteps { get; }

    private protected override string LengthName => "path";

    private protected override int MaxQuestionSteps(GraphLesson lesson) => 1 + PlanningSteps + lesson.MaxLength;

    private protected override GraphQuestion? TryAsk(Generator rng, LabeledGraph graph, int lessonIndex)
    {
        var lesson = Lessons[lessonIndex];
        int length = rng.NextInt(lesson.MinLength, lesson.MaxLength + 1);
        var candidates = new List<IReadOnlyList<GraphEdge>>();
        for (int from = 0; from < graph.NodeCount; from++)
        {
            var tree = graph.ShortestPaths(from);
            for (int to = 0; to < graph.NodeCount; to++)
                if (tree.Distance[to] == length && tree.UniquePathTo(to) is { } path) candidates.Add(path);
        }
        if (candidates.Count == 0) return null;
        var answer = candidates[rng.NextInt(0, candidates.Count)].Select(graph.Triple).ToArray();
        var query = new[] { new GraphTriple(answer[0].Source, TripleEncoding.Blank, answer[^1].Destination) };
        return new GraphQuestion(DescriptionOf(rng, graph), query, PlanningSteps, answer, length, lessonIndex);
    }
}
