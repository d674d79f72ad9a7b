using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// Inference (Graves et al. 2016): after the graph's triples, the query gives a start node and a relation's label in
/// the edge slot, a relation being a fixed sequence of edge labels (<see cref="RelationTable"/>) the model is never
/// told but must learn; after the planning steps it answers with the start, the relation and the node reached.
/// </summary>
/// <remarks>
/// Query: one step <c>(start, relation, _)</c>; answer: one step <c>(start, relation, reached)</c>. A question is asked
/// only when the relation reaches exactly one node from the start. Draw order per question: the graph, the relation
/// (uniformly among those whose length is in the lesson's range), the start (uniformly among the nodes where it
/// resolves uniquely; another graph when there is none), then the description's order. The paper does not give the
/// number of planning steps for inference; we give ten, as for shortest path, so that a relation of five edges can be
/// followed read by read before the answer.
/// </remarks>
public sealed class InferenceTask : GraphTask
{
    /// <summary>
    /// The curriculum (our steps): random graphs grow to the paper's final size (10–40 nodes, out-degree 2–6) while
    /// relations grow from 2 to 2–5 edges.
    /// </summary>
    public static IReadOnlyList<GraphLesson> DefaultLessons { get; } =
    [
        new(3, 5, 1, 2, 2, 2),
        new(5, 10, 2, 3, 2, 2),
        new(5, 15, 2, 4, 2, 3),
        new(10, 25, 2, 5, 2, 4),
        new(10, 40, 2, 6, 2, 5),
    ];

    /// <summary>Creates the task.</summary>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="lessons">The curriculum; <see cref="DefaultLessons"/> when null.</param>
    /// <param name="source">
    /// The graphs; when null, random graphs whose edge labels are the relation table's (so each node's out-edges carry
    /// distinct labels among them, e.g. the six family labels).
    /// </param>
    /// <param name="relations">The relations asked about; <see cref="RelationTable.Family"/> when null.</param>
    /// <param name="planningSteps">Steps with no input between the query and the answer.</param>
    /// <param name="passThreshold">The share of fully correct answers that passes a lesson.</param>
    /// <param name="replayFraction">The share of entries drawn from earlier lessons.</param>
    /// <exception cref="ArgumentException">A lesson's length range contains no relation's length, or a setting is out of range.</exception>
    public InferenceTask(int batchSize = 1, IReadOnlyList<GraphLesson>? lessons = null, GraphSource? source = null,
        RelationTable? relations = null, int planningSteps = 10, float passThreshold = 0.9f, float replayFraction = 0.1f)
        : base(source ?? new RandomGraphSource((relations ?? RelationTable.Family).EdgeNames.Count), lessons ?? DefaultLessons,
            batchSize, passThreshold, replayFraction)
    {
        Relations = relations ?? RelationTable.Family;
        if (planningSteps < 0) throw new ArgumentException($"InferenceTask: planningSteps must not be negative, got {planningSteps}");
        PlanningSteps = planningSteps;
        for (int i = 0; i < Lessons.Count; i++)
            if (RelationsOf(Lessons[i]).Length == 0)
                throw new ArgumentException($"InferenceTask lesson {i}: no relation has a length in {Lessons[i].MinLength}–{Lessons[i].MaxLength}");
    }

    /// <summary>The relations asked about.</summary>
    public RelationTable Relations { get; }

    /// <summary>Steps with no input between the query and the answer.</summary>
    public int PlanningSteps { get; }

    private protected override string LengthName => "relation";

    private protected override int MaxQuestionSteps(GraphLesson lesson) => 2 + PlanningSteps;

    private protected override GraphQuestion? TryAsk(Generator rng, LabeledGraph graph, int lessonIndex)
    {
        var candidates = RelationsOf(Lessons[lessonIndex]);
        var relation = candidates[rng.NextInt(0, candidates.Length)];
        var starts = new List<(int Start, int Reached)>();
        for (int node = 0; node < graph.NodeCount; node++)
            if (graph.Resolve(node, relation.Path) is [var reached]) starts.Add((node, reached));
        if (starts.Count == 0) return null;
        var (start, end) = starts[rng.NextInt(0, starts.Count)];
        int from = graph.NodeLabels[start], to = graph.NodeLabels[end];
        return new GraphQuestion(DescriptionOf(rng, graph), [new GraphTriple(from, relation.Label, TripleEncoding.Blank)], PlanningSteps,
            [new GraphTriple(from, relation.Label, to)], relation.Path.Count, lessonIndex);
    }

    private Relation[] RelationsOf(GraphLesson lesson) =>
        Relations.Relations.Where(r => r.Path.Count >= lesson.MinLength && r.Path.Count <= lesson.MaxLength).ToArray();
}
