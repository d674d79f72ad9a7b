using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Addressing;

/// <summary>
/// Temporal link matrix L and precedence weights p (the paper's §"Temporal memory linkage"): L[i, j] records
/// how much cell i was written right after cell j, one matrix per write head.
/// </summary>
public static class Linkage
{
    /// <summary>
    /// One step of the linkage, fused (see <see cref="LinkUpdate"/>): L[i, j] ← (1 − w[i] − w[j])·L[i, j] + w[i]·p[j]
    /// with the diagonal set to 0, and p ← (1 − Σ_N w)·p + w.
    /// </summary>
    /// <param name="previousLink">L_{t−1}, [B, W, N, N].</param>
    /// <param name="previousPrecedence">p_{t−1}, [B, W, N].</param>
    /// <param name="writeWeights">w_t, [B, W, N].</param>
    /// <returns>L_t [B, W, N, N] and p_t [B, W, N].</returns>
    public static (Tensor Link, Tensor Precedence) Update(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights) =>
        LinkUpdate.Apply(previousLink, previousPrecedence, writeWeights);

    /// <summary>
    /// L[i, j] ← (1 − w[i] − w[j])·L[i, j] + w[i]·p[j], with the diagonal set to 0 (the link half of <see cref="Update"/>).
    /// </summary>
    /// <param name="previousLink">L_{t−1}, [B, W, N, N].</param>
    /// <param name="previousPrecedence">p_{t−1}, [B, W, N].</param>
    /// <param name="writeWeights">w_t, [B, W, N].</param>
    /// <returns>L_t, [B, W, N, N].</returns>
    public static Tensor Link(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights) =>
        LinkUpdate.Apply(previousLink, previousPrecedence, writeWeights).Link;

    /// <summary>p ← (1 − Σ_N w)·p + w: precedence [B, W, N], write weights [B, W, N] → [B, W, N].</summary>
    public static Tensor Precedence(Tensor previousPrecedence, Tensor writeWeights)
    {
        var writeSum = writeWeights.Sum(-1, keepDim: true);        // [B, W, 1]
        return (1f - writeSum) * previousPrecedence + writeWeights;
    }

    /// <summary>
    /// Reads along the links from the previous read weights: forward f_i = Σ_j L[i, j]·w_j, backward
    /// b_i = Σ_j L[j, i]·w_j, for every write head's link matrix.
    /// </summary>
    /// <param name="link">L, [B, W, N, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="forward">true for f (follow the order of writing), false for b.</param>
    /// <returns>[B, R, W, N].</returns>
    public static Tensor DirectionalReadWeights(Tensor link, Tensor previousReadWeights, bool forward)
    {
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1);
        if (forward)
        {
            // f[r, k, i] = Σ_j w[r, j]·L_k[i, j]: the W link matrices stacked as one [W·N, N] matrix, no copies.
            return Tensor.MatMul(previousReadWeights, link.Reshape(b, writes * n, n), transposeB: true).Reshape(b, reads, writes, n);
        }
        if (writes == 1)
            return Tensor.MatMul(previousReadWeights, link.Reshape(b, n, n)).Reshape(b, reads, 1, n);
        // b[r, k, i] = Σ_j w[r, j]·L_k[j, i], one batched product per write head.
        var expanded = previousReadWeights.Unsqueeze(1).Expand(b, writes, reads, n);                     // [B, W, R, N]
        var result = Tensor.MatMul(expanded.Reshape(b * writes, reads, n), link.Reshape(b * writes, n, n));
        return result.Reshape(b, writes, reads, n).Permute(0, 2, 1, 3);
    }
}
