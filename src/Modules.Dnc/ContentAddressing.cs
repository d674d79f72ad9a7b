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
        CheckShapes(op, memory, keys, strengths);
        return ContentWeightsKernel.Compute(memory, keys, strengths, Epsilon);
    }

    /// <summary>Memory [B, N, Wd], keys [B, H, Wd] and strengths [B, H], or a <see cref="ShapeMismatchException"/> naming <paramref name="op"/>.</summary>
    private protected static void CheckShapes(string op, Tensor memory, Tensor keys, Tensor strengths)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(strengths);
        if (memory.Rank != 3 || keys.Rank != 3 || keys.Dim(0) != memory.Dim(0) || keys.Dim(2) != memory.Dim(2))
            throw new ShapeMismatchException(op, keys.Shape, memory.Shape, "must be keys [B, H, Wd] and memory [B, N, Wd]");
        if (!strengths.Shape.SequenceEqual([keys.Dim(0), keys.Dim(1)]))
            throw new ShapeMismatchException(op, "strengths", [keys.Dim(0), keys.Dim(1)], strengths.Shape, " ([B, H] of the keys)");
    }
}

/// <summary>
/// Masked content addressing (Csordás &amp; Schmidhuber, ICLR 2019), the read lookup of <see cref="DncOptions.KeyMask"/>:
/// each key k carries a mask m = σ(k·W + b) over the word, and the lookup is the cosine weights of k⊙m against every row
/// M⊙m, so a key can leave out the parts of a word it does not know (the destination of a stored triple, when it holds the
/// source and the edge). The mask is an affine function of the key (parameters <c>&lt;path&gt;/mask_w</c> [Wd, Wd] and
/// <c>&lt;path&gt;/mask_b</c> [Wd], shared by the heads) rather than another interface output, so the controller's
/// interface stays DeepMind's. Both start at zero: m = 0.5 everywhere, and cosine similarity ignores a common scale, so
/// training starts from the plain lookup.
/// </summary>
/// <remarks>Composed from existing ops: the fused content weights run on B·H entries, entry (b, h) being M[b]⊙m[b, h] with the one key k[b, h]⊙m[b, h].</remarks>
[Module]
internal sealed partial class MaskedContentAddressing : ContentAddressing
{
    [Param] private Tensor? maskW;
    [Param] private Tensor? maskB;

    /// <summary>Creates the module; <paramref name="name"/> defaults to <c>masked_content_addressing</c>.</summary>
    public MaskedContentAddressing(string? name = null) : base(name)
    {
    }

    /// <summary>Masked content weights: memory [B, N, Wd], keys [B, H, Wd], strengths before softplus [B, H] → weights [B, H, N].</summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together (the message names the module path).</exception>
    public override Tensor Forward(Tensor memory, Tensor keys, Tensor strengths)
    {
        CheckShapes(Path, memory, keys, strengths);
        int batch = keys.Dim(0), heads = keys.Dim(1), rows = memory.Dim(1), word = memory.Dim(2);
        var w = GetMaskW([word, word], Tensor.Zeros);
        var b = GetMaskB([word], Tensor.Zeros);
        var mask = Tensor.Sigmoid(Tensor.MatMul(keys.Reshape(batch * heads, word), w) + b).Reshape(batch, heads, 1, word);
        var maskedMemory = (memory.Reshape(batch, 1, rows, word) * mask).Reshape(batch * heads, rows, word);
        var maskedKeys = (keys.Reshape(batch, heads, 1, word) * mask).Reshape(batch * heads, 1, word);
        return ContentWeightsKernel.Compute(maskedMemory, maskedKeys, strengths.Reshape(batch * heads, 1), Epsilon).Reshape(batch, heads, rows);
    }
}
