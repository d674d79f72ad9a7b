namespace Modules.Dnc.Tasks.Graph;

/// <summary>A named relation: a fixed sequence of edge labels, asked about under a label of its own.</summary>
/// <param name="Name">What people call it, e.g. <c>maternal great-uncle</c>.</param>
/// <param name="Label">The label that stands for it in a query's edge slot (not an edge label).</param>
/// <param name="Path">The edge labels followed, in order.</param>
public sealed record Relation(string Name, int Label, IReadOnlyList<int> Path);

/// <summary>The relations an inference task asks about, over a fixed set of edge labels 0…E−1.</summary>
public sealed class RelationTable
{
    /// <summary>Creates the table and checks it.</summary>
    /// <param name="edgeNames">Name of edge label i at index i.</param>
    /// <param name="relations">The relations; labels distinct, in [E, 1000), paths of known edge labels.</param>
    /// <exception cref="ArgumentException">A label is repeated, collides with an edge label, or a path names an unknown edge label.</exception>
    public RelationTable(IReadOnlyList<string> edgeNames, IReadOnlyList<Relation> relations)
    {
        ArgumentNullException.ThrowIfNull(edgeNames);
        ArgumentNullException.ThrowIfNull(relations);
        if (relations.Count == 0) throw new ArgumentException("RelationTable: no relations");
        var labels = new HashSet<int>();
        foreach (var r in relations)
        {
            if (r.Label < edgeNames.Count || r.Label >= Labels.Count)
                throw new ArgumentException($"RelationTable: relation '{r.Name}' has label {r.Label}, expected one in [{edgeNames.Count}, {Labels.Count}) (above the edge labels)");
            if (!labels.Add(r.Label)) throw new ArgumentException($"RelationTable: label {r.Label} is used twice (again by '{r.Name}')");
            if (r.Path.Count == 0 || r.Path.Any(e => (uint)e >= (uint)edgeNames.Count))
                throw new ArgumentException($"RelationTable: relation '{r.Name}' must follow edge labels in [0, {edgeNames.Count}), got [{string.Join(", ", r.Path)}]");
        }
        EdgeNames = edgeNames.ToArray();
        Relations = relations.ToArray();
    }

    /// <summary>Name of edge label i at index i.</summary>
    public IReadOnlyList<string> EdgeNames { get; }

    /// <summary>The relations.</summary>
    public IReadOnlyList<Relation> Relations { get; }

    /// <summary>The family edge labels: 0 mother, 1 father, 2 son, 3 daughter, 4 husband, 5 wife (an edge from X labelled mother leads to X's mother).</summary>
    public static IReadOnlyList<string> FamilyEdges { get; } = ["mother", "father", "son", "daughter", "husband", "wife"];

    /// <summary>
    /// Kinship relations of length 2–5 over <see cref="FamilyEdges"/>, labelled 100, 101, …; each path is chosen so that
    /// it never leads back to the person it passes through (a mother's mother's sons are the mother's brothers).
    /// Where a relation reaches several people in a tree (two maternal uncles), the inference task does not ask it.
    /// The list is ours; the paper names the kind of question (its example is the maternal great-uncle).
    /// </summary>
    public static RelationTable Family { get; } = new(FamilyEdges,
    [
        new("maternal grandmother", 100, [0, 0]),
        new("maternal grandfather", 101, [0, 1]),
        new("paternal grandmother", 102, [1, 0]),
        new("paternal grandfather", 103, [1, 1]),
        new("husband's mother", 104, [4, 0]),
        new("wife's father", 105, [5, 1]),
        new("maternal great-grandmother", 106, [0, 0, 0]),
        new("paternal great-grandfather", 107, [1, 1, 1]),
        new("maternal uncle", 108, [0, 0, 2]),
        new("paternal aunt", 109, [1, 1, 3]),
        new("maternal great-uncle", 110, [0, 0, 0, 2]),
        new("paternal great-aunt", 111, [1, 1, 1, 3]),
        new("maternal cousin (uncle's son)", 112, [0, 0, 2, 2]),
        new("paternal cousin (aunt's daughter)", 113, [1, 1, 3, 3]),
        new("mother's maternal cousin", 114, [0, 0, 0, 2, 2]),
        new("father's paternal cousin", 115, [1, 1, 1, 3, 3]),
        new("maternal great-uncle's wife", 116, [0, 0, 0, 2, 5]),
    ]);
}
