using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Content weights C(M, k, β) as one fused op: cosine similarity with DeepMind's ε placement
/// (<c>k·Mᵀ / (norm(k)·norm(M)ᵀ + ε)</c>, <c>norm(x) = sqrt(Σ x² + ε)</c>), softplus strength and a softmax over N.
/// The forward keeps the similarities, norms and sharpness; the backward uses them with the softmax output.
/// </summary>
internal static class ContentWeightsKernel
{
    /// <summary>Memory [B, N, Wd], keys [B, H, Wd], strengths [B, H] (before softplus) → weights [B, H, N]. Shapes are checked by the caller.</summary>
    public static Tensor Compute(Tensor memory, Tensor keys, Tensor strengths, float epsilon)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), heads = keys.Dim(1);
        // Uncleared: ForwardItem writes every weight and every saved value (ContentValues has no gaps).
        var output = Tensor.AllocateUninitialized(batch, heads, cells);
        int savedPerItem = SavedPerItem(heads, cells);
        var saved = Tensor.AllocateUninitialized(batch * savedPerItem);
        BatchParallel.For(batch, (long)heads * cells * width, (memory, cells, width, keys, heads, strengths, saved, savedPerItem, output,
            epsilon), static (state, b) =>
        {
            var (memory, cells, width, keys, heads, strengths, saved, savedPerItem, output, epsilon) = state;
            ForwardItem(
                memory.Values.Slice(b * cells * width, cells * width), keys.Values.Slice(b * heads * width, heads * width),
                strengths.Values.Slice(b * heads, heads), width, saved.Data.Slice(b * savedPerItem, savedPerItem),
                output.Data.Slice(b * heads * cells, heads * cells), epsilon);
        });
        return Tensor.Custom("ContentWeights", output, [memory, keys, strengths], (output, saved, savedPerItem, epsilon),
            static (x, s, g) => Backward(g, s.output, x[0], x[1], x[2], s.saved, s.savedPerItem, s.epsilon));
    }

    /// <summary>Floats <see cref="ForwardItem"/> keeps per batch item for <see cref="BackwardItem"/> (<see cref="ContentValues"/>).</summary>
    public static int SavedPerItem(int heads, int cells) => ContentValues.Length(heads, cells);

    /// <summary>
    /// One batch item: memory m [N, Wd], keys k [H, Wd], strengths [H] (before softplus) → weights w [H, N]; fills
    /// <paramref name="saved"/> (<see cref="SavedPerItem"/> floats) for the backward.
    /// </summary>
    public static void ForwardItem(ReadOnlySpan<float> m, ReadOnlySpan<float> k, ReadOnlySpan<float> strengths, int width,
        Span<float> saved, Span<float> w, float epsilon)
    {
        int heads = strengths.Length, cells = m.Length / width;
        ContentValues.Split(saved, heads, cells, out var similarity, out var memoryNorms, out var keyNorms, out var sharpness);
        for (int n = 0; n < cells; n++)
        {
            var row = m.Slice(n * width, width);
            memoryNorms[n] = MathF.Sqrt(AddressingMath.Dot(row, row) + epsilon);
        }
        for (int h = 0; h < heads; h++)
        {
            var key = k.Slice(h * width, width);
            keyNorms[h] = MathF.Sqrt(AddressingMath.Dot(key, key) + epsilon);
            sharpness[h] = AddressingMath.Softplus(strengths[h]);
            var sim = similarity.Slice(h * cells, cells);
            var logits = w.Slice(h * cells, cells);
            for (int n = 0; n < cells; n++) sim[n] = AddressingMath.Dot(key, m.Slice(n * width, width));
            CellLogits(sim, memoryNorms, keyNorms[h], sharpness[h], epsilon, logits);
            float max = float.NegativeInfinity;
            for (int n = 0; n < cells; n++)
                if (logits[n] > max) max = logits[n];
            // Softmax over the cells, shifted by the maximum so large strengths do not overflow.
            Shift(logits, max);
            FloatMath.Exp(logits, logits);
            float sum = 0f;
            for (int n = 0; n < cells; n++) sum += logits[n];
            Divide(logits, sum);
        }
    }

    /// <summary>
    /// With d = dL/dlogits = w ⊙ (g − Σ g ⊙ w) and D = norm(k)·norm(M)ᵀ + ε: dβ = Σ_N d ⊙ sim · sigmoid(β);
    /// dsim = d·softplus(β); ddot = dsim / D; dD = −dsim·sim / D, which reaches the norms and through x / norm(x) the rows.
    /// </summary>
    private static Tensor?[] Backward(Tensor g, Tensor output, Tensor memory, Tensor keys, Tensor strengths, Tensor saved,
        int savedPerItem, float epsilon)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), heads = keys.Dim(1);
        // Uncleared: BackwardItem overwrites every element of the three (ScaleAndMultiplyAdd writes, dβ is assigned).
        var dMemory = memory.RequiresGrad ? Tensor.BackwardBufferUninitialized(memory.Shape) : null;
        var dKeys = keys.RequiresGrad ? Tensor.BackwardBufferUninitialized(keys.Shape) : null;
        var dStrengths = strengths.RequiresGrad ? Tensor.BackwardBufferUninitialized(strengths.Shape) : null;
        BatchParallel.For(batch, 2L * heads * cells * width, (output, heads, cells, g, memory, width, keys, strengths, saved, savedPerItem,
            epsilon, dMemory, dKeys, dStrengths), static (state, b) =>
        {
            var (output, heads, cells, g, memory, width, keys, strengths, saved, savedPerItem, epsilon, dMemory, dKeys, dStrengths) = state;
            BackwardItem(
                output.Values.Slice(b * heads * cells, heads * cells), g.Values.Slice(b * heads * cells, heads * cells),
                memory.Values.Slice(b * cells * width, cells * width), keys.Values.Slice(b * heads * width, heads * width),
                strengths.Values.Slice(b * heads, heads), width, saved.Values.Slice(b * savedPerItem, savedPerItem), epsilon,
                AddressingMath.ItemSlice(dMemory, b, cells * width),
                AddressingMath.ItemSlice(dKeys, b, heads * width),
                AddressingMath.ItemSlice(dStrengths, b, heads));
        });
        return Tensor.GradientSlots(dMemory, dKeys, dStrengths);
    }

    /// <summary>
    /// One batch item's backward (see <see cref="Backward"/>): weights w and their gradient g [H, N], the item's inputs and
    /// <paramref name="saved"/> from <see cref="ForwardItem"/> → dm [N, Wd], dk [H, Wd], dβ [H], each overwritten; an empty
    /// span skips that gradient.
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> m, ReadOnlySpan<float> k,
        ReadOnlySpan<float> strengths, int width, ReadOnlySpan<float> saved, float epsilon,
        Span<float> dMemory, Span<float> dKeys, Span<float> dStrengths)
    {
        int heads = strengths.Length, cells = m.Length / width;
        int scratchSize = heads * cells + 3 * cells + heads;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dDot = scratch[..(heads * cells)];                       // dL/d(k·Mᵀ), [H, N]
        var dMemoryNorms = scratch.Slice(heads * cells, cells);
        var dKeyNorms = scratch.Slice(heads * cells + cells, heads);
        var dLogits = scratch.Slice(heads * cells + cells + heads, cells);           // one head's dL/dlogits
        var dDenominators = scratch.Slice(heads * cells + 2 * cells + heads, cells); // one head's dL/dD
        dMemoryNorms.Clear();
        ContentValues.Split(saved, heads, cells, out var similarity, out var memoryNorms, out var keyNorms, out var sharpness);
        for (int h = 0; h < heads; h++)
        {
            var sim = similarity.Slice(h * cells, cells);
            float gw = AddressingMath.Dot(g.Slice(h * cells, cells), w.Slice(h * cells, cells));
            // The element-wise part across the cells in vectors, the two sums over the cells after it in cell order.
            CellGradients(w.Slice(h * cells, cells), g.Slice(h * cells, cells), sim, memoryNorms, gw, sharpness[h], keyNorms[h], epsilon,
                dLogits, dDot.Slice(h * cells, cells), dDenominators, dMemoryNorms);
            float dSharpness = 0f, dKeyNorm = 0f;
            for (int n = 0; n < cells; n++)
            {
                dSharpness += dLogits[n] * sim[n];
                dKeyNorm += dDenominators[n] * memoryNorms[n];
            }
            dKeyNorms[h] = dKeyNorm;
            if (!dStrengths.IsEmpty) dStrengths[h] = dSharpness * AddressingMath.Sigmoid(strengths[h]);
        }
        // dk_h = dnorm(k_h)·k_h / norm(k_h) + Σ_n ddot[h, n]·M_n and dM_n = dnorm(M_n)·M_n / norm(M_n) + Σ_h ddot[h, n]·k_h.
        if (!dKeys.IsEmpty)
            for (int h = 0; h < heads; h++)
                AddressingMath.ScaleAndMultiplyAdd(k.Slice(h * width, width), dKeyNorms[h] / keyNorms[h], m, dDot[(h * cells)..], 1,
                    dKeys.Slice(h * width, width));
        if (!dMemory.IsEmpty)
            for (int n = 0; n < cells; n++)
                AddressingMath.ScaleAndMultiplyAdd(m.Slice(n * width, width), dMemoryNorms[n] / memoryNorms[n], k[..(heads * width)], dDot[n..], cells,
                    dMemory.Slice(n * width, width));
    }

    /// <summary>
    /// One head's element-wise backward over the cells n: dlogit = w·(g − Σ g·w), dsim = dlogit·softplus(β),
    /// D = norm(k)·norm(M_n) + ε, ddot = dsim / D, dD = −dsim·sim / D, and dnorm(M_n) += dD·norm(k) (the same operations in
    /// the same order as one cell at a time, so the same floats).
    /// </summary>
    private static void CellGradients(ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> sim, ReadOnlySpan<float> memoryNorms,
        float gw, float sharpness, float keyNorm, float epsilon, Span<float> dLogits, Span<float> dDot, Span<float> dDenominators,
        Span<float> dMemoryNorms)
    {
        int cells = w.Length, n = 0;
        if (g.Length < cells || sim.Length < cells || memoryNorms.Length < cells || dLogits.Length < cells || dDot.Length < cells
            || dDenominators.Length < cells || dMemoryNorms.Length < cells)
            throw new ArgumentException($"ContentWeightsKernel: every span of a head's cell gradients needs {cells} floats");
        if (Vector.IsHardwareAccelerated)
        {
            var gwV = new Vector<float>(gw);
            var sharpnessV = new Vector<float>(sharpness);
            var keyNormV = new Vector<float>(keyNorm);
            var epsilonV = new Vector<float>(epsilon);
            for (; n <= cells - Vector<float>.Count; n += Vector<float>.Count)
            {
                var dLogit = Load(w, n) * (Load(g, n) - gwV);
                var dSim = dLogit * sharpnessV;
                var denominator = keyNormV * Load(memoryNorms, n) + epsilonV;
                var dDenominator = -dSim * Load(sim, n) / denominator;
                Store(dLogit, dLogits, n);
                Store(dSim / denominator, dDot, n);
                Store(dDenominator, dDenominators, n);
                Store(Load(dMemoryNorms, n) + dDenominator * keyNormV, dMemoryNorms, n);
            }
        }
        for (; n < cells; n++)
        {
            float dLogit = w[n] * (g[n] - gw);
            float dSim = dLogit * sharpness;
            float denominator = keyNorm * memoryNorms[n] + epsilon;
            float dDenominator = -dSim * sim[n] / denominator;
            dLogits[n] = dLogit;
            dDot[n] = dSim / denominator;
            dDenominators[n] = dDenominator;
            dMemoryNorms[n] += dDenominator * keyNorm;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ReadOnlySpan<float> x, int at) => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> v, Span<float> x, int at) => v.StoreUnsafe(ref MemoryMarshal.GetReference(x), (nuint)at);

    /// <summary>
    /// One head's element-wise forward over the cells, in vectors: the dot products k·M_n in <paramref name="sim"/> become
    /// sim = dot / (norm(k)·norm(M_n) + ε), and logits = sim·softplus(β) (the operations of one cell at a time, in its order).
    /// </summary>
    private static void CellLogits(Span<float> sim, ReadOnlySpan<float> memoryNorms, float keyNorm, float sharpness, float epsilon,
        Span<float> logits)
    {
        int cells = sim.Length, n = 0;
        if (memoryNorms.Length < cells || logits.Length < cells)
            throw new ArgumentException($"ContentWeightsKernel: the norms and logits of a head need {cells} floats");
        if (Vector.IsHardwareAccelerated)
        {
            var keyNormV = new Vector<float>(keyNorm);
            var epsilonV = new Vector<float>(epsilon);
            var sharpnessV = new Vector<float>(sharpness);
            for (; n <= cells - Vector<float>.Count; n += Vector<float>.Count)
            {
                var similarity = Load(sim, n) / (keyNormV * Load(memoryNorms, n) + epsilonV);
                Store(similarity, sim, n);
                Store(similarity * sharpnessV, logits, n);
            }
        }
        for (; n < cells; n++)
        {
            sim[n] /= keyNorm * memoryNorms[n] + epsilon;
            logits[n] = sim[n] * sharpness;
        }
    }

    /// <summary>x −= <paramref name="value"/>, element-wise.</summary>
    private static void Shift(Span<float> x, float value)
    {
        int n = 0;
        if (Vector.IsHardwareAccelerated)
            for (var v = new Vector<float>(value); n <= x.Length - Vector<float>.Count; n += Vector<float>.Count) Store(Load(x, n) - v, x, n);
        for (; n < x.Length; n++) x[n] -= value;
    }

    /// <summary>x /= <paramref name="value"/>, element-wise.</summary>
    private static void Divide(Span<float> x, float value)
    {
        int n = 0;
        if (Vector.IsHardwareAccelerated)
            for (var v = new Vector<float>(value); n <= x.Length - Vector<float>.Count; n += Vector<float>.Count) Store(Load(x, n) / v, x, n);
        for (; n < x.Length; n++) x[n] /= value;
    }
}
