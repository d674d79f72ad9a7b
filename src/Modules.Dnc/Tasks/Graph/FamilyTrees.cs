using Modules.Tensors;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// Generated family trees as a graph source for inference questions: people are nodes; edges use the labels of
/// <see cref="RelationTable.FamilyEdges"/> (each child has <c>mother</c> and <c>father</c> edges to its parents, each
/// parent a <c>son</c> or <c>daughter</c> edge to each child, each couple <c>husband</c> and <c>wife</c> edges), so
/// <see cref="RelationTable.Family"/>'s relations apply. Node labels are drawn per tree; edge labels stay fixed, because
/// relations are defined over them.
/// </summary>
/// <remarks>
/// Our generator (the paper does not describe its family trees): four generations below one founding couple. Each
/// couple has 2 to <see cref="MaxChildren"/> children, each a son or a daughter with equal chance; each child of the
/// first two generations of children marries someone from outside the family with probability ¾, and that couple has
/// children in turn. Unlike random graphs, a parent has several <c>son</c> edges, so edge labels are not unique per source.
/// </remarks>
public sealed class FamilyTrees : GraphSource
{
    /// <summary>The most children a couple has.</summary>
    public const int MaxChildren = 3;

    /// <summary>Generations, counting the founding couple's.</summary>
    public const int Generations = 4;

    private const int Mother = 0, Father = 1, Son = 2, Daughter = 3, Husband = 4, Wife = 5;

    /// <summary>A new family tree; the lesson's node and degree ranges do not apply.</summary>
    public override LabeledGraph Draw(Generator rng, GraphLesson lesson)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var female = new List<bool>();
        var edges = new List<GraphEdge>();
        var couples = new List<(int Wife, int Husband)> { (Person(true), Person(false)) };
        Marry(couples[0]);
        for (int generation = 1; generation < Generations; generation++)
        {
            var next = new List<(int, int)>();
            foreach (var (mother, father) in couples)
            {
                int children = rng.NextInt(2, MaxChildren + 1);
                for (int c = 0; c < children; c++)
                {
                    bool daughter = rng.NextInt(0, 2) == 0;
                    int child = Person(daughter);
                    edges.Add(new GraphEdge(child, Mother, mother));
                    edges.Add(new GraphEdge(child, Father, father));
                    edges.Add(new GraphEdge(mother, daughter ? Daughter : Son, child));
                    edges.Add(new GraphEdge(father, daughter ? Daughter : Son, child));
                    if (generation + 1 < Generations && rng.NextInt(0, 4) != 0)
                    {
                        var couple = daughter ? (child, Person(false)) : (Person(true), child);
                        Marry(couple);
                        next.Add(couple);
                    }
                }
            }
            couples = next;
        }
        return new LabeledGraph(Labels.Distinct(rng, female.Count, Labels.Count), edges);

        int Person(bool isFemale)
        {
            female.Add(isFemale);
            return female.Count - 1;
        }

        void Marry((int Wife, int Husband) couple)
        {
            edges.Add(new GraphEdge(couple.Wife, Husband, couple.Husband));
            edges.Add(new GraphEdge(couple.Husband, Wife, couple.Wife));
        }
    }

    /// <summary>The largest tree's edges: four per child (two parents, two parent-to-child) and two per couple.</summary>
    public override int MaxEdges(GraphLesson lesson)
    {
        int children = 0, couples = 1, marriedCouples = 1;
        for (int generation = 1; generation < Generations; generation++)
        {
            int born = couples * MaxChildren;
            children += born;
            couples = born;
            if (generation + 1 < Generations) marriedCouples += born;
        }
        return 4 * children + 2 * marriedCouples;
    }

    /// <inheritdoc/>
    public override string Describe(GraphLesson lesson) => $"family trees ({Generations} generations)";
}
