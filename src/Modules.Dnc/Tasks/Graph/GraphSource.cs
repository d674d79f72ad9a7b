using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>Where a graph task's graphs come from: random graphs sized by the lesson, or a fixed graph relabelled per episode.</summary>
public abstract class GraphSource
{
    /// <summary>Draws the graph for one episode.</summary>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <param name="lesson">The lesson being taught (fixed graphs ignore its node and degree ranges).</param>
    public abstract LabeledGraph Draw(Generator rng, GraphLesson lesson);

    /// <summary>The most edges a graph drawn for <paramref name="lesson"/> can have (bounds the episode length).</summary>
    public abstract int MaxEdges(GraphLesson lesson);

    /// <summary>The graph part of a lesson's description, e.g. <c>5–10 nodes, degree 2–3</c> or <c>transit map (18 stations)</c>.</summary>
    public abstract string Describe(GraphLesson lesson);

    /// <summary>Checks that the source can serve <paramref name="lesson"/>; messages name <paramref name="what"/>.</summary>
    /// <exception cref="ArgumentException">It cannot.</exception>
    public virtual void Validate(GraphLesson lesson, string what) => ArgumentNullException.ThrowIfNull(lesson);
}

/// <summary>
/// The paper's random graphs (Graves et al. 2016, Methods): N nodes are uniform random points in the unit square; each
/// node's out-edges go to its K nearest neighbours, K drawn uniformly per node from the lesson's degree range (at most
/// N − 1); node labels are drawn uniformly from 0–999 without repeats; each node's edge labels are drawn uniformly
/// without repeats from [0, <see cref="EdgeLabelCount"/>). The points are discarded.
/// </summary>
/// <remarks>
/// Draw order, for reproducibility: N, then the N points (x then y), then each node's K, then the node labels, then
/// each node's edge labels in order of nearness. Ties in distance go to the lower node index. The range of edge labels
/// is our choice where the paper is silent: all 1000 labels by default (traversal, shortest path); the inference task
/// uses the family tree's six relationship labels so that its relations apply to random graphs and family trees alike.
/// </remarks>
public sealed class RandomGraphSource : GraphSource
{
    /// <summary>Creates the source.</summary>
    /// <param name="edgeLabelCount">Edge labels are drawn from [0, edgeLabelCount); at least the largest out-degree, at most 1000.</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is out of range.</exception>
    public RandomGraphSource(int edgeLabelCount = Labels.Count)
    {
        if (edgeLabelCount < 1 || edgeLabelCount > Labels.Count)
            throw new ArgumentOutOfRangeException(nameof(edgeLabelCount), $"RandomGraphSource: edgeLabelCount must be in [1, {Labels.Count}], got {edgeLabelCount}");
        EdgeLabelCount = edgeLabelCount;
    }

    /// <summary>Edge labels are drawn from [0, EdgeLabelCount).</summary>
    public int EdgeLabelCount { get; }

    /// <inheritdoc/>
    public override LabeledGraph Draw(Generator rng, GraphLesson lesson)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(lesson);
        int n = rng.NextInt(lesson.MinNodes, lesson.MaxNodes + 1);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++) { x[i] = rng.NextDouble(); y[i] = rng.NextDouble(); }
        var degree = new int[n];
        for (int i = 0; i < n; i++) degree[i] = Math.Min(n - 1, rng.NextInt(lesson.MinDegree, lesson.MaxDegree + 1));
        var labels = Labels.Distinct(rng, n, Labels.Count);
        var edges = new List<GraphEdge>();
        for (int i = 0; i < n; i++)
        {
            int from = i;
            var nearest = Enumerable.Range(0, n).Where(j => j != from)
                .OrderBy(j => (x[j] - x[from]) * (x[j] - x[from]) + (y[j] - y[from]) * (y[j] - y[from])).ThenBy(j => j)
                .Take(degree[i]).ToArray();
            var edgeLabels = Labels.Distinct(rng, nearest.Length, EdgeLabelCount);
            for (int k = 0; k < nearest.Length; k++) edges.Add(new GraphEdge(from, edgeLabels[k], nearest[k]));
        }
        return new LabeledGraph(labels, edges);
    }

    /// <inheritdoc/>
    public override int MaxEdges(GraphLesson lesson) => lesson.MaxNodes * Math.Min(lesson.MaxDegree, lesson.MaxNodes - 1);

    /// <inheritdoc/>
    public override string Describe(GraphLesson lesson) =>
        $"{GraphLesson.Range(lesson.MinNodes, lesson.MaxNodes)} nodes, degree {GraphLesson.Range(lesson.MinDegree, lesson.MaxDegree)}";

    /// <inheritdoc/>
    public override void Validate(GraphLesson lesson, string what)
    {
        base.Validate(lesson, what);
        if (lesson.MaxDegree > EdgeLabelCount)
            throw new ArgumentException($"{what}: out-degree up to {lesson.MaxDegree} needs at least that many edge labels, the source has {EdgeLabelCount}");
    }
}
