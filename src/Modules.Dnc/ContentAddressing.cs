using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Content-based addressing C(M, k, β) as a module (DeepMind's <c>CosineWeights</c>): the cosine similarity of each key
/// with every memory row, sharpened by softplus(β) and normalised with a softmax over the N rows. No parameters. The
/// computation is one fused op with a hand-written backward to M, k and β.
/// </summary>
/// <remarks>
/// <see cref="MemoryAccess"/> composes two of these (for the write and the read keys). To address memory another way,
/// derive a <c>[Module]</c> class from this one and override <see cref="Forward"/>; parameters it creates are found and
/// trained like any other module's.
/// </remarks>
[Module]
public partial class ContentAddressing : Module
{
    /// <summary>ε, added inside the square root of the norms and to the denominator of the similarity, as DeepMind does.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>Creates the module; <paramref name="name"/> defaults to <c>content_addressing</c>.</summary>
    public ContentAddressing(string? name = null) : base(name)
    {
    }

    /// <summary>
    /// Content weights: <c>norm(x) = sqrt(Σ x² + ε)</c>, <c>sim = k·Mᵀ / (norm(k)·norm(M)ᵀ + ε)</c>, weights = softmax over
    /// the N rows of <c>sim · softplus(β)</c>.
    /// </summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="keys">k, [B, H, Wd], one key per head.</param>
    /// <param name="strengths">β before softplus, [B, H].</param>
    /// <returns>Weights [B, H, N]; each row sums to 1.</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together (the message names the module path).</exception>
    public virtual Tensor Forward(Tensor memory, Tensor keys, Tensor strengths) => Weights(Path, memory, keys, strengths);

    /// <summary>The fused content weights behind <see cref="Forward"/>, for addressing that is not a module (the NTM's heads); <paramref name="op"/> names errors.</summary>
    internal static Tensor Weights(string op, Tensor memory, Tensor keys, Tensor strengths)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(strengths);
        if (memory.Rank != 3 || keys.Rank != 3 || keys.Dim(0) != memory.Dim(0) || keys.Dim(2) != memory.Dim(2))
            throw new ShapeMismatchException(op, keys.Shape, memory.Shape, "must be keys [B, H, Wd] and memory [B, N, Wd]");
        if (!strengths.Shape.SequenceEqual([keys.Dim(0), keys.Dim(1)]))
            throw new ShapeMismatchException(op, "strengths", [keys.Dim(0), keys.Dim(1)], strengths.Shape, " ([B, H] of the keys)");
        return ContentWeightsKernel.Compute(memory, keys, strengths, Epsilon);
    }
}
