using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>One edge as the graph tasks present it: three labels in 0–999, or <see cref="TripleEncoding.Blank"/> for a part left out of a query.</summary>
/// <param name="Source">The source node's label.</param>
/// <param name="Edge">The edge's label (or a relation's label in an inference query).</param>
/// <param name="Destination">The destination node's label.</param>
public readonly record struct GraphTriple(int Source, int Edge, int Destination)
{
    /// <summary>Labels as three-digit numbers, <c>_</c> for a blank: <c>(042, 317, ___)</c>.</summary>
    public override string ToString() => $"({Show(Source)}, {Show(Edge)}, {Show(Destination)})";

    private static string Show(int label) => label == TripleEncoding.Blank ? "___" : label.ToString("000", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An edge between node indices (not labels) of a <see cref="LabeledGraph"/>.</summary>
/// <param name="From">Index of the source node.</param>
/// <param name="Label">The edge label, 0–999.</param>
/// <param name="To">Index of the destination node.</param>
public readonly record struct GraphEdge(int From, int Label, int To);

/// <summary>
/// A directed graph with labelled nodes and edges, the material of the graph tasks: nodes are indices 0…N−1 carrying
/// distinct labels in 0–999; edges carry labels in 0–999. Immutable.
/// </summary>
public sealed class LabeledGraph
{
    private readonly int[] nodeLabels;
    private readonly GraphEdge[] edges;
    private readonly GraphEdge[][] outEdges;

    /// <summary>Creates the graph and checks it.</summary>
    /// <param name="nodeLabels">Label of node i at index i; distinct, each in 0–999.</param>
    /// <param name="edges">The edges, in the order <see cref="Edges"/> will list them.</param>
    /// <exception cref="ArgumentException">A label is out of range or repeated, or an edge names a node that does not exist.</exception>
    public LabeledGraph(IReadOnlyList<int> nodeLabels, IReadOnlyList<GraphEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(nodeLabels);
        ArgumentNullException.ThrowIfNull(edges);
        var seen = new HashSet<int>();
        for (int i = 0; i < nodeLabels.Count; i++)
        {
            CheckLabel($"node {i}'s label", nodeLabels[i]);
            if (!seen.Add(nodeLabels[i])) throw new ArgumentException($"LabeledGraph: node label {nodeLabels[i]} is used twice (again by node {i})");
        }
        foreach (var e in edges)
        {
            if ((uint)e.From >= (uint)nodeLabels.Count || (uint)e.To >= (uint)nodeLabels.Count)
                throw new ArgumentException($"LabeledGraph: edge {e} names a node outside [0, {nodeLabels.Count})");
            CheckLabel($"edge {e}'s label", e.Label);
        }
        this.nodeLabels = nodeLabels.ToArray();
        this.edges = edges.ToArray();
        outEdges = new GraphEdge[this.nodeLabels.Length][];
        for (int n = 0; n < outEdges.Length; n++) outEdges[n] = this.edges.Where(e => e.From == n).ToArray();
    }

    /// <summary>The number of nodes, N.</summary>
    public int NodeCount => nodeLabels.Length;

    /// <summary>Label of node i at index i.</summary>
    public IReadOnlyList<int> NodeLabels => nodeLabels;

    /// <summary>Every edge, in construction order.</summary>
    public IReadOnlyList<GraphEdge> Edges => edges;

    /// <summary>The edges leaving <paramref name="node"/>, in construction order.</summary>
    public IReadOnlyList<GraphEdge> OutEdges(int node) => outEdges[node];

    /// <summary>The edge as the tasks present it, in labels.</summary>
    public GraphTriple Triple(GraphEdge edge) => new(nodeLabels[edge.From], edge.Label, nodeLabels[edge.To]);

    /// <summary>
    /// The nodes reached from <paramref name="start"/> by following edges labelled <paramref name="path"/>[0], then
    /// [1], and so on, following every matching edge (a family tree's <c>son</c> may lead to several people).
    /// </summary>
    /// <returns>The distinct nodes reached, ascending; empty when some step has no matching edge.</returns>
    public IReadOnlyList<int> Resolve(int start, IReadOnlyList<int> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var current = new SortedSet<int> { start };
        foreach (int label in path)
        {
            var next = new SortedSet<int>();
            foreach (int node in current)
                foreach (var e in outEdges[node])
                    if (e.Label == label) next.Add(e.To);
            current = next;
        }
        return current.ToArray();
    }

    /// <summary>
    /// The shortest path from <paramref name="from"/> to <paramref name="to"/> by breadth-first search, when it
    /// exists, has at least one edge and is the only path of its length (counted over edges, so two parallel edges
    /// with different labels make two paths).
    /// </summary>
    /// <returns>The path's edges in order, or null.</returns>
    public IReadOnlyList<GraphEdge>? UniqueShortestPath(int from, int to) => from == to ? null : ShortestPaths(from).UniquePathTo(to);

    /// <summary>Breadth-first search from <paramref name="from"/>: distances, path counts and one shortest path to every node.</summary>
    internal ShortestPathTree ShortestPaths(int from)
    {
        var distance = new int[NodeCount];
        var paths = new int[NodeCount];      // shortest paths reaching each node, saturated at 2
        var via = new GraphEdge[NodeCount];
        Array.Fill(distance, -1);
        distance[from] = 0;
        paths[from] = 1;
        var queue = new Queue<int>();
        queue.Enqueue(from);
        while (queue.Count > 0)
        {
            int node = queue.Dequeue();
            foreach (var e in outEdges[node])
            {
                if (distance[e.To] < 0)
                {
                    distance[e.To] = distance[node] + 1;
                    paths[e.To] = paths[node];
                    via[e.To] = e;
                    queue.Enqueue(e.To);
                }
                else if (distance[e.To] == distance[node] + 1) paths[e.To] = Math.Min(2, paths[e.To] + paths[node]);
            }
        }
        return new ShortestPathTree(distance, paths, via);
    }

    /// <summary>
    /// The same graph with node labels drawn afresh from 0–999 without repeats and, when <paramref name="edgeLabels"/>,
    /// each distinct edge label mapped to a fresh one (again without repeats), so a fixed map is new to the model in
    /// every episode while its structure stays.
    /// </summary>
    public LabeledGraph Relabel(Generator rng, bool edgeLabels)
    {
        var nodes = Labels.Distinct(rng, NodeCount, Labels.Count);
        var mapping = new Dictionary<int, int>();
        if (edgeLabels)
        {
            var distinct = edges.Select(e => e.Label).Distinct().Order().ToArray();
            var fresh = Labels.Distinct(rng, distinct.Length, Labels.Count);
            for (int i = 0; i < distinct.Length; i++) mapping[distinct[i]] = fresh[i];
        }
        return new LabeledGraph(nodes, edges.Select(e => e with { Label = edgeLabels ? mapping[e.Label] : e.Label }).ToArray());
    }

    private static void CheckLabel(string what, int label)
    {
        if ((uint)label >= Labels.Count) throw new ArgumentException($"LabeledGraph: {what} must be in [0, {Labels.Count}), got {label}");
    }
}

/// <summary>Drawing labels: the tasks' labels are three decimal digits, 0–999.</summary>
public static class Labels
{
    /// <summary>The number of distinct labels, 1000.</summary>
    public const int Count = 1000;

    /// <summary>
    /// <paramref name="count"/> distinct integers drawn uniformly from [0, <paramref name="range"/>), in the order drawn
    /// (a partial Fisher–Yates shuffle: one <c>NextInt</c> per value).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More values are asked for than the range holds.</exception>
    public static int[] Distinct(Generator rng, int count, int range)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (count < 0 || count > range)
            throw new ArgumentOutOfRangeException(nameof(count), $"Labels.Distinct: cannot draw {count} distinct values from [0, {range})");
        var pool = Enumerable.Range(0, range).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = rng.NextInt(i, range);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..count];
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, one <c>NextInt</c> per position).</summary>
    public static void Shuffle<T>(Generator rng, IList<T> items)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(items);
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(0, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

/// <summary>The result of a breadth-first search: per node its distance (−1 when unreachable), its number of shortest paths (saturated at 2) and the last edge of one of them.</summary>
internal readonly record struct ShortestPathTree(int[] Distance, int[] Paths, GraphEdge[] Via)
{
    /// <summary>The only shortest path to <paramref name="to"/>, or null when it is unreachable, not unique, or the start itself.</summary>
    public IReadOnlyList<GraphEdge>? UniquePathTo(int to)
    {
        if (Distance[to] <= 0 || Paths[to] != 1) return null;
        var path = new GraphEdge[Distance[to]];
        for (int node = to, i = path.Length - 1; i >= 0; node = Via[node].From, i--) path[i] = Via[node];
        return path;
    }
}
