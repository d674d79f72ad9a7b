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
    /// first), after u ← ε + (1 − ε)·u.
    /// </summary>
    /// <param name="usage">u, [B, N], in [0, 1].</param>
    /// <returns>Allocation weights [B, N].</returns>
    public static Tensor Weights(Tensor usage)
    {
        if (usage.Rank != 2)
            throw new ArgumentException($"Allocation: usage must be [B, N], got [{string.Join(", ", usage.ShapeArray())}]");
        int b = usage.Dim(0), n = usage.Dim(1);
        var u = Epsilon + (1f - Epsilon) * usage;
        var permutation = TensorTricks.AscendingPermutation(u);                       // [B, N, N], constant
        var sortedUsage = Tensor.MatMul(permutation, u.Reshape(b, n, 1)).Reshape(b, n);
        var sortedAllocation = (1f - sortedUsage) * TensorTricks.ExclusiveCumprodLast(sortedUsage);
        return Tensor.MatMul(permutation, sortedAllocation.Reshape(b, n, 1), transposeA: true).Reshape(b, n);
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
            var gate = TensorTricks.Unsqueeze(TensorTricks.Select(writeGates, 1, i), -1); // [B, 1]
            usage = usage + (1f - usage) * gate * a;
        }
        return TensorTricks.StackAxis1(weights);
    }
}
