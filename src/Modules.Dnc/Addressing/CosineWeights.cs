using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Addressing;

/// <summary>
/// Content-based addressing (the paper's C(M, k, β)): cosine similarity of each key with every memory
/// row, sharpened by a strength and normalised with a softmax over the N memory rows.
/// </summary>
public static class CosineWeights
{
    /// <summary>ε added inside the square root of the norms and to the denominator of the similarity.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>
    /// Content weights. <c>norm(x) = sqrt(Σ x² + ε)</c>; <c>sim = k·Mᵀ / (norm(k)·norm(M)ᵀ + ε)</c>;
    /// weights = softmax over N of <c>sim · softplus(β)</c>.
    /// </summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="keys">k, [B, H, Wd], one key per head.</param>
    /// <param name="strengths">β before softplus, [B, H].</param>
    /// <returns>Weights [B, H, N]; each row sums to 1.</returns>
    /// <remarks>One fused op with a hand-written backward to M, k and β.</remarks>
    public static Tensor Compute(Tensor memory, Tensor keys, Tensor strengths)
    {
        if (memory.Rank != 3 || keys.Rank != 3 || strengths.Rank != 2 || keys.Dim(0) != memory.Dim(0) || keys.Dim(2) != memory.Dim(2)
            || strengths.Dim(0) != keys.Dim(0) || strengths.Dim(1) != keys.Dim(1))
            throw new ShapeMismatchException("CosineWeights", keys.Shape, memory.Shape,
                $"must be keys [B, H, Wd] and memory [B, N, Wd] with strengths [B, H] (got strengths {Format(strengths)})");
        return ContentWeightsKernel.Compute(memory, keys, strengths, Epsilon);
    }

    private static string Format(Tensor t) => "[" + string.Join(", ", t.ShapeArray()) + "]";
}
