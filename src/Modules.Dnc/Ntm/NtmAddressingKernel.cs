using Modules.Dnc.Kernels;
using Modules.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Modules.Dnc;

/// <summary>
/// The NTM's whole addressing pipeline for H heads as one fused op: content weights (the DNC's cosine kernel,
/// <see cref="ContentWeightsKernel"/>), interpolation with the previous weights by σ(g), the circular shift over
/// {−1, 0, +1} by softmax(s), and sharpening by γ = 1 + softplus(γ̂). The forward keeps the content weights, the
/// interpolated weights and the logarithms of the shifted weights (relative to their maximum); the backward runs the
/// chain in reverse over them and ends in the content kernel's backward.
/// </summary>
internal static class NtmAddressingKernel
{
    // Per head after its two [N] arrays: the shifted weights' maximum, the sum Σ u^γ and γ.
    private const int PerHead = 3;

    // The content weights' ε, as ContentAddressing uses it.
    private const float CosineEpsilon = ContentAddressing.Epsilon;

    /// <summary>
    /// Memory [B, N, Wd], previous weights [B, H, N] and the heads' raw parameters (keys [B, H, Wd], strengths, gates and
    /// sharpening [B, H], shifts [B, H, 3]) → weights [B, H, N]. Shapes are checked by the caller.
    /// </summary>
    public static Tensor Compute(Tensor memory, Tensor previous, NtmHeadInterface head)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), heads = previous.Dim(1);
        // Saved per item: the content kernel's values, the content weights [H, N], then per head (HeadOffset) the
        // interpolated weights [N], log u [N] and the three scalars.
        int contentSaved = ContentWeightsKernel.SavedPerItem(heads, cells);
        int savedPerItem = contentSaved + heads * (3 * cells + PerHead);
        var saved = new float[batch * savedPerItem];
        var weights = new float[batch * heads * cells];
        BatchParallel.For(batch, 2L * heads * cells * width, b =>
        {
            var item = saved.AsSpan(b * savedPerItem, savedPerItem);
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var content = item.Slice(contentSaved, heads * cells);
            ContentWeightsKernel.ForwardItem(m, head.Keys.Values.Slice(b * heads * width, heads * width),
                head.Strengths.Values.Slice(b * heads, heads), width, item[..contentSaved], content, CosineEpsilon);
            for (int h = 0; h < heads; h++)
            {
                int r = b * heads + h;
                var own = item[HeadOffset(contentSaved, heads, cells, h)..];
                Span<float> gated = own[..cells], logs = own.Slice(cells, cells), scalars = own.Slice(2 * cells, PerHead);
                var c = content.Slice(h * cells, cells);
                var o = weights.AsSpan(r * cells, cells);
                // Interpolation: w_g = g·w_c + (1 − g)·w_prev.
                float gate = AddressingMath.Sigmoid(head.Gates.Values[r]);
                TensorPrimitives.Multiply(previous.Values.Slice(r * cells, cells), 1f - gate, gated);
                TensorPrimitives.MultiplyAdd(c, gate, gated, gated);
                var (down, stay, up) = ShiftWeights(head.Shifts.Values.Slice(3 * r, 3));
                Convolve(gated, down, stay, up, o);
                // Sharpening on u = w / max(w), so a large γ cannot underflow the sum: o = u^γ / Σ u^γ = exp(γ·log u) / Σ.
                float max = TensorPrimitives.Max(o);
                float gamma = 1f + AddressingMath.Softplus(head.Sharpening.Values[r]);
                scalars[0] = max;
                scalars[2] = gamma;
                if (!(max > 0f)) { o.Clear(); scalars[1] = 0f; continue; }   // an all-zero row stays all zero
                TensorPrimitives.Multiply(o, 1f / max, logs);
                TensorPrimitives.Log(logs, logs);
                TensorPrimitives.Multiply(logs, gamma, o);
                TensorPrimitives.Exp(o, o);
                float sum = TensorPrimitives.Sum(o);
                scalars[1] = sum;
                TensorPrimitives.Multiply(o, 1f / sum, o);
            }
        });
        var output = new Tensor(weights, batch, heads, cells);
        return Tensor.Custom("NtmAddressing.Address", output,
            [memory, previous, head.Keys, head.Strengths, head.Gates, head.Shifts, head.Sharpening],
            g => Backward(g, output, memory, previous, head, saved, savedPerItem, contentSaved));
    }

    /// <summary>Where head <paramref name="h"/>'s saved values start in an item: interpolated weights [N], log u [N], then max, Σu^γ and γ.</summary>
    private static int HeadOffset(int contentSaved, int heads, int cells, int h) => contentSaved + heads * cells + h * (2 * cells + PerHead);

    /// <summary>softmax over the three shift logits (−1, 0, +1).</summary>
    private static (float Down, float Stay, float Up) ShiftWeights(ReadOnlySpan<float> logits)
    {
        float max = MathF.Max(logits[0], MathF.Max(logits[1], logits[2]));
        float down = MathF.Exp(logits[0] - max), stay = MathF.Exp(logits[1] - max), up = MathF.Exp(logits[2] - max);
        float inverse = 1f / (down + stay + up);
        return (down * inverse, stay * inverse, up * inverse);
    }

    /// <summary>
    /// o(i) = down·w(i+1) + stay·w(i) + up·w(i−1), indices modulo N. With (down, stay, up) swapped to (up, stay, down) it
    /// is the transpose, which the backward uses.
    /// </summary>
    private static void Convolve(ReadOnlySpan<float> w, float down, float stay, float up, Span<float> o)
    {
        int n = w.Length;
        if (n == 1) { o[0] = (down + stay + up) * w[0]; return; }
        o[0] = down * w[1] + stay * w[0] + up * w[n - 1];
        for (int i = 1; i < n - 1; i++) o[i] = down * w[i + 1] + stay * w[i] + up * w[i - 1];
        o[n - 1] = down * w[0] + stay * w[n - 1] + up * w[n - 2];
    }

    /// <summary>
    /// Per head, from dL/do: sharpening dw_s(j) = γ·u_j^(γ−1) / (max·Σu^γ)·(g_j − Σ g·o) and dγ = Σ g·o·(log u − Σ o·log u)
    /// (over o &gt; 0); the shift's transpose for dw_g and Σ_i dw_s(i)·w_g(i ± 1) for the shift weights; then dw_c = g·dw_g,
    /// dw_prev = (1 − g)·dw_g, dg = Σ dw_g·(w_c − w_prev); the activations' derivatives; and the content kernel's backward.
    /// </summary>
    private static Tensor?[] Backward(Tensor g, Tensor output, Tensor memory, Tensor previous, NtmHeadInterface head,
        float[] saved, int savedPerItem, int contentSaved)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), heads = previous.Dim(1);
        // The content backward assigns dM and dk whole, so those two (dM is memory-sized) need no zeroing.
        var dMemory = memory.RequiresGrad ? GC.AllocateUninitializedArray<float>(memory.Size) : null;
        var dPrevious = previous.RequiresGrad ? new float[previous.Size] : null;
        var dKeys = head.Keys.RequiresGrad ? GC.AllocateUninitializedArray<float>(head.Keys.Size) : null;
        var dStrengths = head.Strengths.RequiresGrad ? new float[head.Strengths.Size] : null;
        var dGates = head.Gates.RequiresGrad ? new float[head.Gates.Size] : null;
        var dShifts = head.Shifts.RequiresGrad ? new float[head.Shifts.Size] : null;
        var dSharpening = head.Sharpening.RequiresGrad ? new float[head.Sharpening.Size] : null;
        bool wantContent = dMemory is not null || dKeys is not null || dStrengths is not null;
        BatchParallel.For(batch, 4L * heads * cells * width, b =>
        {
            int scratchSize = heads * cells + 2 * cells;
            Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
            var dContent = scratch[..(heads * cells)];
            var dShifted = scratch.Slice(heads * cells, cells);
            var dGated = scratch.Slice(heads * cells + cells, cells);
            var item = saved.AsSpan(b * savedPerItem, savedPerItem);
            var content = item.Slice(contentSaved, heads * cells);
            for (int h = 0; h < heads; h++)
            {
                int r = b * heads + h;
                var own = item[HeadOffset(contentSaved, heads, cells, h)..];
                Span<float> gated = own[..cells], logs = own.Slice(cells, cells), scalars = own.Slice(2 * cells, PerHead);
                float max = scalars[0], sum = scalars[1], gamma = scalars[2];
                var o = output.Values.Slice(r * cells, cells);
                var gOut = g.Values.Slice(r * cells, cells);
                float dGamma = 0f;
                if (max > 0f)
                {
                    float dot = TensorPrimitives.Dot(gOut, o);
                    // u^(γ−1), with 0^0 = 1 at γ = 1 (where exp(0·log 0) would be NaN).
                    if (gamma == 1f) dShifted.Fill(1f);
                    else
                    {
                        TensorPrimitives.Multiply(logs, gamma - 1f, dShifted);
                        TensorPrimitives.Exp(dShifted, dShifted);
                    }
                    float scale = gamma / (max * sum);
                    float meanLog = 0f;
                    for (int j = 0; j < cells; j++)
                    {
                        dShifted[j] *= scale * (gOut[j] - dot);
                        if (o[j] > 0f) meanLog += o[j] * logs[j];
                    }
                    for (int j = 0; j < cells; j++)
                        if (o[j] > 0f) dGamma += gOut[j] * o[j] * (logs[j] - meanLog);
                }
                else dShifted.Clear();
                if (dSharpening is not null) dSharpening[r] = dGamma * AddressingMath.Sigmoid(head.Sharpening.Values[r]);

                var (down, stay, up) = ShiftWeights(head.Shifts.Values.Slice(3 * r, 3));
                Convolve(dShifted, up, stay, down, dGated);
                if (dShifts is not null)
                {
                    // ∂L/∂s over (down, stay, up), then through the softmax: s ⊙ (ds − Σ ds·s).
                    float dDown = 0f, dStay = 0f, dUp = 0f;
                    for (int i = 0; i < cells; i++)
                    {
                        dDown += dShifted[i] * gated[i + 1 == cells ? 0 : i + 1];
                        dStay += dShifted[i] * gated[i];
                        dUp += dShifted[i] * gated[i == 0 ? cells - 1 : i - 1];
                    }
                    float mean = dDown * down + dStay * stay + dUp * up;
                    dShifts[3 * r] = down * (dDown - mean);
                    dShifts[3 * r + 1] = stay * (dStay - mean);
                    dShifts[3 * r + 2] = up * (dUp - mean);
                }

                float gate = AddressingMath.Sigmoid(head.Gates.Values[r]);
                var c = content.Slice(h * cells, cells);
                var previousRow = previous.Values.Slice(r * cells, cells);
                TensorPrimitives.Multiply(dGated, gate, dContent.Slice(h * cells, cells));
                if (dPrevious is not null) TensorPrimitives.Multiply(dGated, 1f - gate, dPrevious.AsSpan(r * cells, cells));
                if (dGates is not null)
                    dGates[r] = (TensorPrimitives.Dot(dGated, c) - TensorPrimitives.Dot(dGated, previousRow)) * gate * (1f - gate);
            }
            if (!wantContent) return;
            ContentWeightsKernel.BackwardItem(content, dContent, memory.Values.Slice(b * cells * width, cells * width),
                head.Keys.Values.Slice(b * heads * width, heads * width), head.Strengths.Values.Slice(b * heads, heads), width,
                item[..contentSaved], CosineEpsilon,
                dMemory is null ? default : dMemory.AsSpan(b * cells * width, cells * width),
                dKeys is null ? default : dKeys.AsSpan(b * heads * width, heads * width),
                dStrengths is null ? default : dStrengths.AsSpan(b * heads, heads));
        });
        return
        [
            Wrap(dMemory, memory), Wrap(dPrevious, previous), Wrap(dKeys, head.Keys), Wrap(dStrengths, head.Strengths),
            Wrap(dGates, head.Gates), Wrap(dShifts, head.Shifts), Wrap(dSharpening, head.Sharpening),
        ];
    }

    private static Tensor? Wrap(float[]? gradient, Tensor like) => gradient is null ? null : new Tensor(gradient, like.ShapeArray());
}
