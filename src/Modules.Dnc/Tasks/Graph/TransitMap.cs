using System.Reflection;
using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// A transit map as a graph source: stations are nodes, and each route's two directions are edge labels
/// (<c>Red outbound</c>, <c>Red inbound</c>), so an edge leads to the next station along a route in one direction.
/// Every episode relabels the stations and the route directions at random (<see cref="LabeledGraph.Relabel"/>): the
/// model sees the structure, never fixed names. <see cref="Default"/> is the map shipped in the library
/// (<c>transit-map.txt</c>, 18 stations on four routes).
/// </summary>
/// <remarks>
/// The text format: blank lines and lines starting with <c>#</c> are ignored; every other line is
/// <c>line NAME: STATION, STATION, …</c> with at least two stations, none twice on one route. Before relabelling,
/// station i has label i and direction d (0 outbound, 1 inbound) of route r has label 2r + d.
/// </remarks>
public sealed class TransitMap : GraphSource
{
    private readonly LabeledGraph graph;

    private TransitMap(IReadOnlyList<string> stations, IReadOnlyList<(string Name, int[] Stops)> routes)
    {
        Stations = stations.ToArray();
        Routes = routes.Select(r => r.Name).ToArray();
        var edges = new List<GraphEdge>();
        for (int r = 0; r < routes.Count; r++)
        {
            var stops = routes[r].Stops;
            for (int i = 0; i + 1 < stops.Length; i++)
            {
                edges.Add(new GraphEdge(stops[i], 2 * r, stops[i + 1]));
                edges.Add(new GraphEdge(stops[i + 1], 2 * r + 1, stops[i]));
            }
        }
        graph = new LabeledGraph(Enumerable.Range(0, stations.Count).ToArray(), edges);
    }

    /// <summary>The map shipped with the library.</summary>
    public static TransitMap Default { get; } = Parse(ReadResource("Modules.Dnc.Tasks.Graph.transit-map.txt"), "transit-map.txt");

    /// <summary>Station names; station i is node i.</summary>
    public IReadOnlyList<string> Stations { get; }

    /// <summary>Route names; route r's directions are edge labels 2r (outbound) and 2r + 1 (inbound).</summary>
    public IReadOnlyList<string> Routes { get; }

    /// <summary>The map with its fixed labels (station i = label i, direction d of route r = 2r + d).</summary>
    public LabeledGraph Graph => graph;

    /// <summary>The name of a fixed edge label, e.g. <c>Red inbound</c>.</summary>
    public string EdgeName(int label) => $"{Routes[label / 2]} {(label % 2 == 0 ? "outbound" : "inbound")}";

    /// <summary>Reads a map in the text format above.</summary>
    /// <param name="text">The map.</param>
    /// <param name="sourceName">The file or resource name errors name.</param>
    /// <exception cref="FormatException">A line is malformed; the message names the source and line number.</exception>
    public static TransitMap Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stations = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var routes = new List<(string, int[])>();
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int colon = line.IndexOf(':');
            if (!line.StartsWith("line ", StringComparison.Ordinal) || colon < 0)
                throw Error(n, $"expected 'line NAME: STATION, STATION, ...', got '{line}'");
            string name = line[5..colon].Trim();
            var stops = line[(colon + 1)..].Split(',').Select(s => s.Trim()).ToArray();
            if (name.Length == 0) throw Error(n, "the route has no name");
            if (routes.Any(r => r.Item1 == name)) throw Error(n, $"route '{name}' is defined twice");
            if (stops.Length < 2 || stops.Any(s => s.Length == 0)) throw Error(n, $"route '{name}' needs at least two named stations");
            if (stops.Distinct().Count() != stops.Length) throw Error(n, $"route '{name}' visits a station twice");
            foreach (var stop in stops)
                if (!index.ContainsKey(stop)) { index[stop] = stations.Count; stations.Add(stop); }
            routes.Add((name, stops.Select(s => index[s]).ToArray()));
        }
        if (routes.Count == 0) throw new FormatException($"{sourceName}: no routes");
        if (stations.Count > Labels.Count || 2 * routes.Count > Labels.Count)
            throw new FormatException($"{sourceName}: at most {Labels.Count} stations and {Labels.Count / 2} routes fit the labels, got {stations.Count} and {routes.Count}");
        return new TransitMap(stations, routes);

        FormatException Error(int n, string message) => new($"{sourceName}:{n + 1}: {message}");
    }

    /// <summary>The map, relabelled at random (stations and route directions).</summary>
    public override LabeledGraph Draw(Generator rng, GraphLesson lesson) => graph.Relabel(rng, edgeLabels: true);

    /// <inheritdoc/>
    public override int MaxEdges(GraphLesson lesson) => graph.Edges.Count;

    /// <inheritdoc/>
    public override string Describe(GraphLesson lesson) => $"transit map ({Stations.Count} stations, {Routes.Count} routes)";

    private static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"TransitMap: embedded resource '{name}' is missing from {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
