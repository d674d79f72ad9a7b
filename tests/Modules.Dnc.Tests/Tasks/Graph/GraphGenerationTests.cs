using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Tasks.Graph;

public sealed class GraphGenerationTests
{
    [Fact]
    public void Random_graphs_keep_their_invariants_over_many_seeds()
    {
        // Property: for every seed and lesson, the node count and each out-degree lie in the lesson's ranges (degree capped
        // at N − 1), node labels are distinct in 0–999, each source's edge labels are distinct and in range, and no node
        // links to itself or twice to the same node.
        var lessons = new[] { new GraphLesson(3, 5, 1, 2, 1, 1), new GraphLesson(10, 40, 2, 6, 1, 20), new GraphLesson(2, 4, 5, 6, 1, 1) };
        foreach (var (source, labelRange) in new[] { (new RandomGraphSource(), 1000), (new RandomGraphSource(6), 6) })
            for (ulong seed = 0; seed < 150; seed++)
                foreach (var lesson in lessons)
                {
                    var g = source.Draw(new Generator(seed), lesson);
                    Assert.InRange(g.NodeCount, lesson.MinNodes, lesson.MaxNodes);
                    Assert.Equal(g.NodeCount, g.NodeLabels.Distinct().Count());
                    Assert.All(g.NodeLabels, l => Assert.InRange(l, 0, 999));
                    for (int n = 0; n < g.NodeCount; n++)
                    {
                        var outs = g.OutEdges(n);
                        Assert.InRange(outs.Count, Math.Min(lesson.MinDegree, g.NodeCount - 1), Math.Min(lesson.MaxDegree, g.NodeCount - 1));
                        Assert.Equal(outs.Count, outs.Select(e => e.Label).Distinct().Count());
                        Assert.Equal(outs.Count, outs.Select(e => e.To).Distinct().Count());
                        Assert.All(outs, e => { Assert.NotEqual(n, e.To); Assert.InRange(e.Label, 0, labelRange - 1); });
                    }
                }
    }

    [Fact]
    public void Random_graphs_link_each_node_to_its_nearest_neighbours()
    {
        // Replay the documented draw order to recover the points, then check each node's out-edges are its K nearest.
        var lesson = new GraphLesson(12, 12, 3, 3, 1, 1);
        var g = new RandomGraphSource().Draw(new Generator(5), lesson);
        var rng = new Generator(5);
        Assert.Equal(12, rng.NextInt(12, 13));
        var p = Enumerable.Range(0, 12).Select(_ => (X: rng.NextDouble(), Y: rng.NextDouble())).ToArray();
        for (int n = 0; n < 12; n++)
        {
            var expected = Enumerable.Range(0, 12).Where(j => j != n)
                .OrderBy(j => Math.Pow(p[j].X - p[n].X, 2) + Math.Pow(p[j].Y - p[n].Y, 2)).Take(3).Order();
            Assert.Equal(expected, g.OutEdges(n).Select(e => e.To).Order());
        }
    }

    [Fact]
    public void The_same_seed_draws_the_same_graph_and_batch()
    {
        var task = new TraversalTask(batchSize: 3);
        task.SetLesson(3);
        var a = task.Sample(new Generator(9));
        var b = task.Sample(new Generator(9));
        Assert.Equal(a.Observations.ToArray(), b.Observations.ToArray());
        Assert.Equal(a.Targets.ToArray(), b.Targets.ToArray());
        Assert.Equal(a.Mask.ToArray(), b.Mask.ToArray());
        Assert.NotEqual(a.Observations.ToArray(), task.Sample(new Generator(10)).Observations.ToArray());
    }

    [Fact]
    public void A_triple_encodes_as_three_digits_per_label_and_reads_back()
    {
        var v = new float[TripleEncoding.TripleSize];
        TripleEncoding.Write(new GraphTriple(42, 317, 999), v);
        var hot = Enumerable.Range(0, v.Length).Where(i => v[i] == 1f);
        Assert.Equal(new[] { 0, 14, 22, 33, 41, 57, 69, 79, 89 }, hot);
        Assert.Equal(9f, v.Sum());

        // Property: every triple of labels and blanks round-trips.
        var rng = new Generator(3);
        for (int i = 0; i < 2000; i++)
        {
            int Draw() => rng.NextInt(0, 5) == 0 ? TripleEncoding.Blank : rng.NextInt(0, 1000);
            var triple = new GraphTriple(Draw(), Draw(), Draw());
            var w = new float[TripleEncoding.TripleSize];
            TripleEncoding.Write(triple, w);
            Assert.Equal(triple, TripleEncoding.Read(w));
        }
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TripleEncoding.Write(new GraphTriple(1000, 0, 0), new float[90]));
        Assert.StartsWith("TripleEncoding: a label must be in [0, 1000) or blank, got 1000", e.Message);
    }

    [Fact]
    public void Labeled_graph_rejects_repeated_and_out_of_range_labels()
    {
        var e = Assert.Throws<ArgumentException>(() => new LabeledGraph([5, 7, 5], []));
        Assert.Equal("LabeledGraph: node label 5 is used twice (again by node 2)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new LabeledGraph([5, 7], [new GraphEdge(0, 1000, 1)]));
        Assert.Equal("LabeledGraph: edge GraphEdge { From = 0, Label = 1000, To = 1 }'s label must be in [0, 1000), got 1000", e.Message);
    }

    [Fact]
    public void Unique_shortest_path_counts_paths_over_edges()
    {
        // 0 → 1 → 3 and 0 → 2 → 3 tie; 0 → 4 → 5 is unique; a second, parallel edge 5 → 6 makes 0 … 6 ambiguous.
        var g = new LabeledGraph([10, 11, 12, 13, 14, 15, 16],
        [
            new(0, 1, 1), new(1, 2, 3), new(0, 3, 2), new(2, 4, 3), new(0, 5, 4), new(4, 6, 5), new(5, 7, 6), new(5, 8, 6),
        ]);
        Assert.Null(g.UniqueShortestPath(0, 3));
        Assert.Equal(new GraphEdge[] { new(0, 5, 4), new(4, 6, 5) }, g.UniqueShortestPath(0, 5));
        Assert.Null(g.UniqueShortestPath(0, 6));
        Assert.Null(g.UniqueShortestPath(3, 0));   // unreachable
        Assert.Null(g.UniqueShortestPath(0, 0));
    }

    [Fact]
    public void The_transit_map_has_its_stations_routes_and_both_directions()
    {
        var map = TransitMap.Default;
        Assert.Equal(18, map.Stations.Count);
        Assert.Equal(new[] { "Red", "Blue", "Green", "Yellow" }, map.Routes);
        Assert.Equal(40, map.Graph.Edges.Count);            // 4 routes × 5 segments × 2 directions
        int central = map.Stations.ToList().IndexOf("Central"), museum = map.Stations.ToList().IndexOf("Museum");
        Assert.Equal(new[] { museum }, map.Graph.Resolve(central, [0]));         // Red outbound
        Assert.Equal("Red inbound", map.EdgeName(1));
        Assert.Equal(4, map.Graph.OutEdges(central).Count);                      // Red and Blue, both ways
        for (int n = 0; n < map.Graph.NodeCount; n++)
            Assert.Equal(map.Graph.OutEdges(n).Count, map.Graph.OutEdges(n).Select(e => e.Label).Distinct().Count());

        var relabelled = map.Draw(new Generator(1), TraversalTask.DefaultLessons[0]);
        Assert.Equal(map.Graph.Edges.Select(e => (e.From, e.To)), relabelled.Edges.Select(e => (e.From, e.To)));
        Assert.Equal(8, relabelled.Edges.Select(e => e.Label).Distinct().Count());
    }

    [Fact]
    public void A_malformed_transit_map_names_the_source_and_line()
    {
        var e = Assert.Throws<FormatException>(() => TransitMap.Parse("# map\nline A: X, Y\nroute B: Y, Z\n", "city.txt"));
        Assert.Equal("city.txt:3: expected 'line NAME: STATION, STATION, ...', got 'route B: Y, Z'", e.Message);
        e = Assert.Throws<FormatException>(() => TransitMap.Parse("line A: X, Y, X", "city.txt"));
        Assert.Equal("city.txt:1: route 'A' visits a station twice", e.Message);
        e = Assert.Throws<FormatException>(() => TransitMap.Parse("line A: X", "city.txt"));
        Assert.Equal("city.txt:1: route 'A' needs at least two named stations", e.Message);
    }

    [Fact]
    public void Family_trees_give_every_child_two_parents_and_couples_both_spouse_edges()
    {
        var source = new FamilyTrees();
        for (ulong seed = 0; seed < 50; seed++)
        {
            var g = source.Draw(new Generator(seed), InferenceTask.DefaultLessons[0]);
            Assert.InRange(g.Edges.Count, 1, source.MaxEdges(InferenceTask.DefaultLessons[0]));
            Assert.Equal(g.NodeCount, g.NodeLabels.Distinct().Count());
            foreach (var e in g.Edges)
            {
                // Each edge has its converse: mother/father ↔ son/daughter, husband ↔ wife.
                var converse = e.Label switch { 0 or 1 => new[] { 2, 3 }, 2 or 3 => [0, 1], 4 => [5], _ => [4] };
                Assert.Contains(g.OutEdges(e.To), c => c.To == e.From && converse.Contains(c.Label));
            }
            for (int n = 0; n < g.NodeCount; n++)
            {
                var outs = g.OutEdges(n);
                Assert.True(outs.Count(e => e.Label == 0) == outs.Count(e => e.Label == 1) && outs.Count(e => e.Label == 0) <= 1,
                    $"seed {seed}: node {n} must have one mother and one father or neither");
                Assert.True(outs.Count(e => e.Label >= 4) <= 1, $"seed {seed}: node {n} has more than one spouse");
            }
        }
        Assert.Equal(4 * (3 + 9 + 27) + 2 * (1 + 3 + 9), source.MaxEdges(InferenceTask.DefaultLessons[0]));
    }

    [Fact]
    public void Every_family_relation_can_be_asked_on_generated_trees()
    {
        // Each relation of the table reaches exactly one person from someone in at least one of 100 trees, so none is dead.
        var source = new FamilyTrees();
        var trees = Enumerable.Range(0, 100).Select(s => source.Draw(new Generator((ulong)s), InferenceTask.DefaultLessons[0])).ToArray();
        foreach (var relation in RelationTable.Family.Relations)
            Assert.True(trees.Any(g => Enumerable.Range(0, g.NodeCount).Any(n => g.Resolve(n, relation.Path).Count == 1)),
                $"'{relation.Name}' is never asked");
    }
}
