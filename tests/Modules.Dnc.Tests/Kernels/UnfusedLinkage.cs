using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>
/// The linkage and read-weight mixing as compositions of tensor ops, as they were before the fused kernels: the
/// reference the kernels are checked against.
/// </summary>
public static class UnfusedLinkage
{
    /// <summary>L[i, j] ← (1 − w[i] − w[j])·L[i, j] + w[i]·p[j], diagonal 0; [B, W, N, N].</summary>
    public static Tensor Link(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights)
    {
        var wi = writeWeights.Unsqueeze(3);
        var wj = writeWeights.Unsqueeze(2);
        var pj = previousPrecedence.Unsqueeze(2);
        var link = (1f - wi - wj) * previousLink + wi * pj;
        return link.MaskDiagonal();
    }

    /// <summary>p ← (1 − Σ_N w)·p + w; [B, W, N].</summary>
    public static Tensor Precedence(Tensor previousPrecedence, Tensor writeWeights)
    {
        var writeSum = writeWeights.Sum(-1, keepDim: true);
        return (1f - writeSum) * previousPrecedence + writeWeights;
    }

    /// <summary>Forward (f_i = Σ_j L[i, j]·w_j) or backward (b_i = Σ_j L[j, i]·w_j) reads, [B, R, W, N].</summary>
    public static Tensor DirectionalReadWeights(Tensor link, Tensor previousReadWeights, bool forward)
    {
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1);
        if (forward)
            return Tensor.MatMul(previousReadWeights, link.Reshape(b, writes * n, n), transposeB: true).Reshape(b, reads, writes, n);
        if (writes == 1)
            return Tensor.MatMul(previousReadWeights, link.Reshape(b, n, n)).Reshape(b, reads, 1, n);
        var expanded = previousReadWeights.Unsqueeze(1).Expand(b, writes, reads, n);
        var result = Tensor.MatMul(expanded.Reshape(b * writes, reads, n), link.Reshape(b * writes, n, n));
        return result.Reshape(b, writes, reads, n).Permute(0, 2, 1, 3);
    }

    /// <summary>π_content·c + Σ_W π_fwd·f + Σ_W π_bwd·b with modes [B, R, 2W + 1] (W backward, W forward, content); [B, R, N].</summary>
    public static Tensor ReadWeights(Tensor link, Tensor previousReadWeights, Tensor content, Tensor readMode)
    {
        int writes = link.Dim(1);
        var forward = DirectionalReadWeights(link, previousReadWeights, forward: true);
        var backward = DirectionalReadWeights(link, previousReadWeights, forward: false);
        var backwardMode = readMode.Slice(-1, 0, writes).Unsqueeze(-1);
        var forwardMode = readMode.Slice(-1, writes, writes).Unsqueeze(-1);
        var contentMode = readMode.Slice(-1, 2 * writes, 1);
        return contentMode * content + (forwardMode * forward).Sum(2) + (backwardMode * backward).Sum(2);
    }
}
