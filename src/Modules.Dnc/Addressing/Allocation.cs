using Modules.Tensors;

namespace Modules.Dnc.Addressing;

/// <summary>
/// Dynamic memory allocation (the paper's allocation weighting a): the least used cells get the
/// largest weight, found by sorting cells by usage.
/// </summary>
public static class Allocation
{
    /// <summary>ε: usage is mapped to ε + (1 − ε)·u so no cell is exactly free or exactly used.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>
    /// a[φ_j] = (1 − u[φ_j])·Π_{i&lt;j} u[φ_i], with φ the cells sorted by ascending usage (ties: lower index
    /// first), after u ← ε + (1 − ε)·u. As in DeepMind's code the sort is a top-k of the non-usage 1 − u, so
    /// float32 ties are judged on 1 − u.
    /// </summary>
    /// <param name="usage">u, [B, N], in [0, 1].</param>
    /// <returns>Allocation weights [B, N].</returns>
    public static Tensor Weights(Tensor usage)
    {
        if (usage.Rank != 2)
            throw new ArgumentException($"Allocation: usage must be [B, N], got [{string.Join(", ", usage.ShapeArray())}]");
        int n = usage.Dim(1);
        var u = Epsilon + (1f - Epsilon) * usage;
        var (sortedNonUsage, indices) = Tensor.TopK(1f - u, n, axis: 1);            // φ: least used first
        var sortedUsage = 1f - sortedNonUsage;
        var sortedAllocation = sortedNonUsage * Tensor.ExclusiveCumprod(sortedUsage, 1);
        return Tensor.Scatter(sortedAllocation, 1, indices, usage.ShapeArray());
    }

    /// <summary>
    /// Allocation weights for several write heads: head i allocates from the usage left by the heads before
    /// it, u ← u + (1 − u)·g_i·a_i.
    /// </summary>
    /// <param name="usage">u, [B, N].</param>
    /// <param name="writeGates">g = allocation gate · write gate, [B, W].</param>
    /// <returns>Allocation weights [B, W, N].</returns>
    public static Tensor WriteWeights(Tensor usage, Tensor writeGates)
    {
        int writes = writeGates.Dim(1);
        var weights = new List<Tensor>(writes);
        for (int i = 0; i < writes; i++)
        {
            var a = Weights(usage);
            weights.Add(a);
            var gate = writeGates.Slice(1, i, 1);                                          // [B, 1]
            usage = usage + (1f - usage) * gate * a;
        }
        return Tensor.Stack(1, [.. weights]);
    }
}
