using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>The NTM's memory operations (Graves et al. 2014, §3.1–3.2) as pure, differentiable functions.</summary>
public static class NtmMemory
{
    /// <summary>
    /// The value every memory element starts from: a small constant, as the PyTorch DNC/SAM library fills its memory with
    /// δ = 1e-6, so the memory is never exactly zero (cosine similarity is defined, and equal rows give uniform content
    /// weights) while reads of an untouched memory stay negligible.
    /// </summary>
    public const float InitialValue = 1e-6f;

    /// <summary>Reading: <c>r_h = Σ_i w_h(i) · M(i)</c>, one fused op with a hand-written backward (the DNC's read words).</summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="weights">Read weights, [B, R, N].</param>
    /// <returns>Read words, [B, R, Wd].</returns>
    /// <exception cref="ShapeMismatchException">The shapes disagree.</exception>
    public static Tensor Read(Tensor memory, Tensor weights)
    {
        RequireMemory("NtmMemory.Read", memory);
        RequireWeights("NtmMemory.Read", memory, weights);
        return ReadWordsKernel.Compute(weights, memory);
    }

    /// <summary>
    /// Erase then add, for W write heads at once, as the paper does with several heads: every head's erase is applied
    /// first, <c>M̃ = M ⊙ Π_h (1 − w_hᵀ e_h)</c> (the order of the heads does not matter), then every head's add,
    /// <c>M' = M̃ + Σ_h w_hᵀ a_h</c>. One fused op with a hand-written backward, the DNC's erase-and-write kernel (the
    /// same update).
    /// </summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="weights">Write weights, [B, W, N].</param>
    /// <param name="erase">Erase vectors e in [0, 1] (after the sigmoid), [B, W, Wd].</param>
    /// <param name="add">Add vectors a, [B, W, Wd].</param>
    /// <returns>The new memory, [B, N, Wd].</returns>
    /// <exception cref="ShapeMismatchException">The shapes disagree.</exception>
    public static Tensor Write(Tensor memory, Tensor weights, Tensor erase, Tensor add)
    {
        const string op = "NtmMemory.Write";
        RequireMemory(op, memory);
        RequireWeights(op, memory, weights);
        int[] vectors = [memory.Dim(0), weights.Dim(1), memory.Dim(2)];
        if (!erase.Shape.SequenceEqual(vectors))
            throw new ShapeMismatchException(op, "erase vectors", vectors, erase.Shape, " ([B, W, Wd])");
        if (!add.Shape.SequenceEqual(vectors))
            throw new ShapeMismatchException(op, "add vectors", vectors, add.Shape, " ([B, W, Wd])");
        return EraseAndWriteKernel.Compute(memory, weights, erase, add);
    }

    private static void RequireMemory(string op, Tensor memory)
    {
        if (memory.Rank != 3)
            throw new ShapeMismatchException(op, "memory", [-1, -1, -1], memory.Shape, " ([B, N, Wd])");
    }

    private static void RequireWeights(string op, Tensor memory, Tensor weights)
    {
        if (weights.Rank != 3 || weights.Dim(0) != memory.Dim(0) || weights.Dim(2) != memory.Dim(1))
            throw new ShapeMismatchException(op, "weights", [memory.Dim(0), -1, memory.Dim(1)], weights.Shape, " ([B, heads, N] for memory [B, N, Wd])");
    }
}
