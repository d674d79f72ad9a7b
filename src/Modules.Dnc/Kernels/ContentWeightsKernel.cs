using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
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
        var output = Tensor.Allocate(batch, heads, cells);
        int savedPerItem = SavedPerItem(heads, cells);
        var saved = Tensor.Allocate(batch * savedPerItem);
        BatchParallel.For(batch, (long)heads * cells * width, b => ForwardItem(
            memory.Values.Slice(b * cells * width, cells * width), keys.Values.Slice(b * heads * width, heads * width),
            strengths.Values.Slice(b * heads, heads), width, saved.Data.Slice(b * savedPerItem, savedPerItem),
            output.Data.Slice(b * heads * cells, heads * cells), epsilon));
        return Tensor.Custom("ContentWeights", output, [memory, keys, strengths],
            g => Backward(g, output, memory, keys, strengths, saved, savedPerItem, epsilon));
    }

    /// <summary>Floats <see cref="ForwardItem"/> keeps per batch item for <see cref="BackwardItem"/>: similarities [H, N], memory norms [N], key norms [H], sharpness [H].</summary>
    public static int SavedPerItem(int heads, int cells) => heads * cells + cells + 2 * heads;

    /// <summary>
    /// One batch item: memory m [N, Wd], keys k [H, Wd], strengths [H] (before softplus) → weights w [H, N]; fills
    /// <paramref name="saved"/> (<see cref="SavedPerItem"/> floats) for the backward.
    /// </summary>
    public static void ForwardItem(ReadOnlySpan<float> m, ReadOnlySpan<float> k, ReadOnlySpan<float> strengths, int width,
        Span<float> saved, Span<float> w, float epsilon)
    {
        int heads = strengths.Length, cells = m.Length / width;
        var similarity = saved[..(heads * cells)];
        var memoryNorms = saved.Slice(heads * cells, cells);
        var keyNorms = saved.Slice(heads * cells + cells, heads);
        var sharpness = saved.Slice(heads * cells + cells + heads, heads);
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
            float max = float.NegativeInfinity;
            for (int n = 0; n < cells; n++)
            {
                sim[n] = AddressingMath.Dot(key, m.Slice(n * width, width)) / (keyNorms[h] * memoryNorms[n] + epsilon);
                logits[n] = sim[n] * sharpness[h];
                if (logits[n] > max) max = logits[n];
            }
            // Softmax over the cells, shifted by the maximum so large strengths do not overflow.
            for (int n = 0; n < cells; n++) logits[n] -= max;
            FloatMath.Exp(logits, logits);
            float sum = 0f;
            for (int n = 0; n < cells; n++) sum += logits[n];
            for (int n = 0; n < cells; n++) logits[n] /= sum;
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
        var dMemory = memory.RequiresGrad ? Tensor.BackwardBuffer(memory.Shape) : null;
        var dKeys = keys.RequiresGrad ? Tensor.BackwardBuffer(keys.Shape) : null;
        var dStrengths = strengths.RequiresGrad ? Tensor.BackwardBuffer(strengths.Shape) : null;
        BatchParallel.For(batch, 2L * heads * cells * width, b => BackwardItem(
            output.Values.Slice(b * heads * cells, heads * cells), g.Values.Slice(b * heads * cells, heads * cells),
            memory.Values.Slice(b * cells * width, cells * width), keys.Values.Slice(b * heads * width, heads * width),
            strengths.Values.Slice(b * heads, heads), width, saved.Values.Slice(b * savedPerItem, savedPerItem), epsilon,
            dMemory is null ? default : dMemory.Data.Slice(b * cells * width, cells * width),
            dKeys is null ? default : dKeys.Data.Slice(b * heads * width, heads * width),
            dStrengths is null ? default : dStrengths.Data.Slice(b * heads, heads)));
        return
        [
            dMemory,
            dKeys,
            dStrengths,
        ];
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
        int scratchSize = heads * cells + cells + heads;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dDot = scratch[..(heads * cells)];                       // dL/d(k·Mᵀ), [H, N]
        var dMemoryNorms = scratch.Slice(heads * cells, cells);
        var dKeyNorms = scratch.Slice(heads * cells + cells, heads);
        dMemoryNorms.Clear();
        var similarity = saved[..(heads * cells)];
        var memoryNorms = saved.Slice(heads * cells, cells);
        var keyNorms = saved.Slice(heads * cells + cells, heads);
        var sharpness = saved.Slice(heads * cells + cells + heads, heads);
        for (int h = 0; h < heads; h++)
        {
            var wh = w.Slice(h * cells, cells);
            var gh = g.Slice(h * cells, cells);
            var sim = similarity.Slice(h * cells, cells);
            float gw = AddressingMath.Dot(gh, wh);
            float dSharpness = 0f, dKeyNorm = 0f;
            for (int n = 0; n < cells; n++)
            {
                float dLogit = wh[n] * (gh[n] - gw);
                dSharpness += dLogit * sim[n];
                float dSim = dLogit * sharpness[h];
                float denominator = keyNorms[h] * memoryNorms[n] + epsilon;
                dDot[h * cells + n] = dSim / denominator;
                float dDenominator = -dSim * sim[n] / denominator;
                dKeyNorm += dDenominator * memoryNorms[n];
                dMemoryNorms[n] += dDenominator * keyNorms[h];
            }
            dKeyNorms[h] = dKeyNorm;
            if (!dStrengths.IsEmpty) dStrengths[h] = dSharpness * AddressingMath.Sigmoid(strengths[h]);
        }
        if (!dKeys.IsEmpty)
            for (int h = 0; h < heads; h++)
            {
                // dk_h = Σ_n ddot[h, n]·M_n + dnorm(k_h)·k_h / norm(k_h)
                var dk = dKeys.Slice(h * width, width);
                AddressingMath.Scale(k.Slice(h * width, width), dKeyNorms[h] / keyNorms[h], dk);
                for (int n = 0; n < cells; n++)
                    AddressingMath.MultiplyAdd(m.Slice(n * width, width), dDot[h * cells + n], dk);
            }
        if (!dMemory.IsEmpty)
            for (int n = 0; n < cells; n++)
            {
                // dM_n = Σ_h ddot[h, n]·k_h + dnorm(M_n)·M_n / norm(M_n)
                var dm = dMemory.Slice(n * width, width);
                AddressingMath.Scale(m.Slice(n * width, width), dMemoryNorms[n] / memoryNorms[n], dm);
                for (int h = 0; h < heads; h++)
                    AddressingMath.MultiplyAdd(k.Slice(h * width, width), dDot[h * cells + n], dm);
            }
    }
}
