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

    /// <summary>Reading: <c>r_h = Σ_i w_h(i) · M(i)</c>.</summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="weights">Read weights, [B, R, N].</param>
    /// <returns>Read words, [B, R, Wd].</returns>
    /// <exception cref="ShapeMismatchException">The shapes disagree.</exception>
    public static Tensor Read(Tensor memory, Tensor weights)
    {
        RequireMemory("NtmMemory.Read", memory);
        RequireWeights("NtmMemory.Read", memory, weights);
        return Tensor.MatMul(weights, memory);
    }

    /// <summary>
    /// Erase then add, for W write heads at once, as the paper does with several heads: every head's erase is applied
    /// first, <c>M̃ = M ⊙ Π_h (1 − w_hᵀ e_h)</c> (the order of the heads does not matter), then every head's add,
    /// <c>M' = M̃ + Σ_h w_hᵀ a_h</c>.
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
            throw new ShapeMismatchException(op, vectors, erase.Shape, "erase vectors must be [B, W, Wd]");
        if (!add.Shape.SequenceEqual(vectors))
            throw new ShapeMismatchException(op, vectors, add.Shape, "add vectors must be [B, W, Wd]");
        return EraseThenAdd(memory, weights, erase, add);
    }

    /// <summary>The fused kernel of <see cref="Write"/>: one pass forward, one pass backward, no [B, W, N, Wd] temporaries.</summary>
    private static Tensor EraseThenAdd(Tensor memory, Tensor weights, Tensor erase, Tensor add)
    {
        int batch = memory.Dim(0), rows = memory.Dim(1), width = memory.Dim(2), heads = weights.Dim(1);
        var output = Tensor.Zeros(memory.ShapeArray());
        var keep = new float[output.Size];   // Π_h (1 − w_h(i)·e_h(k)), reused by the backward pass
        {
            var m = memory.Values; var w = weights.Values; var e = erase.Values; var a = add.Values; var o = output.Data;
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < rows; i++)
                {
                    int row = (b * rows + i) * width;
                    for (int k = 0; k < width; k++)
                    {
                        float kept = 1f, added = 0f;
                        for (int h = 0; h < heads; h++)
                        {
                            float wi = w[(b * heads + h) * rows + i];
                            int v = (b * heads + h) * width + k;
                            kept *= 1f - wi * e[v];
                            added += wi * a[v];
                        }
                        keep[row + k] = kept;
                        o[row + k] = m[row + k] * kept + added;
                    }
                }
        }
        return Tensor.Custom("NtmMemory.Write", output, [memory, weights, erase, add], g =>
        {
            var gv = g.Values; var m = memory.Values; var w = weights.Values; var e = erase.Values; var a = add.Values;
            Tensor? dMemory = null, dWeights = null, dErase = null, dAdd = null;
            if (memory.RequiresGrad)
            {
                dMemory = Tensor.Zeros(memory.ShapeArray());
                var d = dMemory.Data;
                for (int j = 0; j < d.Length; j++) d[j] = gv[j] * keep[j];
            }
            bool needW = weights.RequiresGrad, needE = erase.RequiresGrad, needA = add.RequiresGrad;
            if (!needW && !needE && !needA) return [dMemory, null, null, null];
            var dw = new double[weights.Size];
            var de = new double[erase.Size];
            var da = new double[add.Size];
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < rows; i++)
                {
                    int row = (b * rows + i) * width;
                    for (int k = 0; k < width; k++)
                    {
                        float gk = gv[row + k];
                        float gm = gk * m[row + k];   // ∂L/∂keep
                        for (int h = 0; h < heads; h++)
                        {
                            int wIndex = (b * heads + h) * rows + i, v = (b * heads + h) * width + k;
                            float others = 1f;       // Π over the other heads, by product rather than division (a factor may be 0)
                            for (int h2 = 0; h2 < heads; h2++)
                                if (h2 != h) others *= 1f - w[(b * heads + h2) * rows + i] * e[(b * heads + h2) * width + k];
                            float dFactor = -gm * others; // ∂L/∂(w_h(i)·e_h(k))
                            dw[wIndex] += dFactor * e[v] + gk * a[v];
                            de[v] += dFactor * w[wIndex];
                            da[v] += gk * w[wIndex];
                        }
                    }
                }
            if (needW) dWeights = FromDoubles(dw, weights.ShapeArray());
            if (needE) dErase = FromDoubles(de, erase.ShapeArray());
            if (needA) dAdd = FromDoubles(da, add.ShapeArray());
            return [dMemory, dWeights, dErase, dAdd];
        });
    }

    private static Tensor FromDoubles(double[] values, int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = (float)values[i];
        return t;
    }

    private static void RequireMemory(string op, Tensor memory)
    {
        if (memory.Rank != 3)
            throw new ShapeMismatchException($"{op}: memory must be [B, N, Wd], got [{string.Join(", ", memory.ShapeArray())}]");
    }

    private static void RequireWeights(string op, Tensor memory, Tensor weights)
    {
        if (weights.Rank != 3 || weights.Dim(0) != memory.Dim(0) || weights.Dim(2) != memory.Dim(1))
            throw new ShapeMismatchException(op, memory.Shape, weights.Shape, $"weights must be [{memory.Dim(0)}, heads, {memory.Dim(1)}] for memory [B, N, Wd]");
    }
}
