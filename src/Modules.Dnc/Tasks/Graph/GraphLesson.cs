namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// One lesson of a graph curriculum: the ranges (inclusive) of the number of nodes, each node's out-degree and the
/// question's length (the path length for traversal and shortest path, the relation's length for inference).
/// Fixed graphs (the transit map, family trees) use only the length.
/// </summary>
/// <param name="MinNodes">Fewest nodes.</param>
/// <param name="MaxNodes">Most nodes.</param>
/// <param name="MinDegree">Smallest out-degree K.</param>
/// <param name="MaxDegree">Largest out-degree K.</param>
/// <param name="MinLength">Shortest question.</param>
/// <param name="MaxLength">Longest question.</param>
public sealed record GraphLesson(int MinNodes, int MaxNodes, int MinDegree, int MaxDegree, int MinLength, int MaxLength)
{
    /// <summary>Checks the ranges; messages name <paramref name="what"/> (e.g. <c>traversal lesson 3</c>).</summary>
    /// <exception cref="ArgumentException">A range is empty or out of bounds.</exception>
    public void Validate(string what)
    {
        Require(MinNodes >= 2 && MinNodes <= MaxNodes && MaxNodes <= Labels.Count, $"nodes must satisfy 2 ≤ min ≤ max ≤ {Labels.Count}, got {MinNodes}–{MaxNodes}");
        Require(MinDegree >= 1 && MinDegree <= MaxDegree, $"out-degree must satisfy 1 ≤ min ≤ max, got {MinDegree}–{MaxDegree}");
        Require(MinLength >= 1 && MinLength <= MaxLength, $"length must satisfy 1 ≤ min ≤ max, got {MinLength}–{MaxLength}");

        void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException($"{what}: {message}");
        }
    }

    /// <summary><c>5–10</c>, or <c>5</c> when the range is one value.</summary>
    internal static string Range(int min, int max) => min == max ? $"{min}" : $"{min}–{max}";
}
