using System.Numerics;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The least recently used row of one batch entry's usage (the step each row was last used, [N]) as a tournament tree:
/// each internal node holds the row that wins its subtree, so the least recently used row is the root's, and a row whose
/// last access changes costs at most one walk to the root (⌈log₂ N⌉ comparisons) where a scan costs N. The winner is the row a
/// scan from row 0 that keeps the first strictly smaller value finds: the smallest last access, the lowest row on ties
/// (a left subtree's rows are all below its right sibling's, so ties go left), and row 0 when row 0 is NaN (nothing
/// compares below NaN; elsewhere NaN ranks above every number, which it never beats).
/// </summary>
/// <remarks>
/// The tree keeps only row indices (one int a row) and reads the values from the usage passed to each call, which must be
/// the same usage every time: it stays right as long as every change to the usage is named in <see cref="Update"/>. It is a
/// function of the values alone, so a usage restored from a checkpoint rebuilds the same tree.
/// </remarks>
internal sealed class LeastRecentlyUsedTree
{
    // winners[node] for the internal nodes 1 … leaves − 1 (root 1, children 2·node and 2·node + 1); node leaves + r is
    // row r. Rows from N up to the power of two are padding and never win.
    private readonly int[] winners;
    private readonly int leaves;

    /// <summary>Builds the tree over <paramref name="lastAccess"/> ([N], N ≥ 1) in O(N).</summary>
    public LeastRecentlyUsedTree(ReadOnlySpan<float> lastAccess)
    {
        if (lastAccess.IsEmpty) throw new ArgumentException("LeastRecentlyUsedTree: the usage must have at least one row", nameof(lastAccess));
        Rows = lastAccess.Length;
        leaves = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(Rows, 2));
        winners = new int[leaves];
        for (int node = leaves - 1; node >= 1; node--) winners[node] = Winner(lastAccess, node);
    }

    /// <summary>N, the rows.</summary>
    public int Rows { get; }

    /// <summary>The least recently used row of <paramref name="lastAccess"/> ([N], the usage the tree was built over).</summary>
    public int Least(ReadOnlySpan<float> lastAccess) => float.IsNaN(lastAccess[0]) ? 0 : winners[1];

    /// <summary>Re-ranks <paramref name="row"/> after its value in <paramref name="lastAccess"/> changed.</summary>
    public void Update(ReadOnlySpan<float> lastAccess, int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), $"LeastRecentlyUsedTree: row {row} is outside the usage's {Rows} rows");
        for (int node = (row + leaves) >> 1; node >= 1; node >>= 1)
        {
            int previous = winners[node];
            winners[node] = Winner(lastAccess, node);
            // A node that keeps its winner, another row whose value did not change, hands its ancestors what they had:
            // the walk ends there (a row just used mostly loses near the leaves).
            if (winners[node] == previous && previous != row) return;
        }
    }

    private int Winner(ReadOnlySpan<float> lastAccess, int node)
    {
        int left = Row(2 * node), right = Row(2 * node + 1);
        // A padding right side (or both sides padding: the left index stands for the padding) keeps the left.
        if (right >= Rows) return left;
        return Rank(lastAccess[right]) < Rank(lastAccess[left]) ? right : left;
    }

    private int Row(int node) => node >= leaves ? node - leaves : winners[node];

    private static float Rank(float value) => float.IsNaN(value) ? float.PositiveInfinity : value;
}
