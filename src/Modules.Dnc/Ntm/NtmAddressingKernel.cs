using System.Numerics;
using System.Runtime.InteropServices;
using Modules.Dnc.Kernels;
using Modules.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Modules.Dnc;

/// <summary>
/// The NTM's whole addressing pipeline for H heads as one fused op: content weights (cosine similarity with DeepMind's ε
/// placement, as <see cref="ContentAddressing"/> defines it, softplus strength, softmax over N), interpolation with the
/// previous weights by σ(g), the circular shift over {−1, 0, +1} by softmax(s), and sharpening by γ = 1 + softplus(γ̂).
/// Each batch item's memory is taken transposed, [Wd, N] (<see cref="NtmColumns"/>), so every loop over the memory runs
/// vectors along the N cells. The forward keeps the similarities and norms, the content weights, the interpolated weights
/// and the logarithms of the shifted weights (relative to their maximum); the backward runs the chain in reverse over them.
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
        int savedPerItem = SavedPerItem(heads, cells);
        var saved = new float[batch * savedPerItem];
        var weights = new float[batch * heads * cells];
        BatchParallel.For(batch, 2L * heads * cells * width, (cells, width, memory, previous, heads, head, saved, savedPerItem,
            weights), static (state, b) =>
        {
            var (cells, width, memory, previous, heads, head, saved, savedPerItem, weights) = state;
            var columns = NtmColumns.Scratch(cells * width);
            NtmColumns.Transpose(memory.Values.Slice(b * cells * width, cells * width), cells, width, columns);
            ForwardItem(columns, width, previous.Values.Slice(b * heads * cells, heads * cells), Item(head, b, heads, width),
                saved.AsSpan(b * savedPerItem, savedPerItem), weights.AsSpan(b * heads * cells, heads * cells));
        });
        var output = new Tensor(weights, batch, heads, cells);
        return Tensor.Custom("NtmAddressing.Address", output,
            [memory, previous, head.Keys, head.Strengths, head.Gates, head.Shifts, head.Sharpening],
            g => Backward(g, output, memory, previous, head, saved, savedPerItem));
    }

    /// <summary>
    /// Floats <see cref="ForwardItem"/> keeps per batch item: the content values (<see cref="ContentSaved"/>), the content
    /// weights [H, N], then per head (<see cref="HeadOffset"/>) the interpolated weights [N], log u [N] and three scalars.
    /// </summary>
    public static int SavedPerItem(int heads, int cells) => ContentSaved(heads, cells) + heads * (3 * cells + PerHead);

    /// <summary>The content part of an item's saved values (<see cref="ContentValues"/>).</summary>
    private static int ContentSaved(int heads, int cells) => ContentValues.Length(heads, cells);

    /// <summary>One batch item's slices of the heads' raw parameters.</summary>
    public readonly ref struct HeadItem(ReadOnlySpan<float> keys, ReadOnlySpan<float> strengths, ReadOnlySpan<float> gates,
        ReadOnlySpan<float> shifts, ReadOnlySpan<float> sharpening)
    {
        /// <summary>Keys [H, Wd].</summary>
        public ReadOnlySpan<float> Keys { get; } = keys;

        /// <summary>Strengths before softplus [H].</summary>
        public ReadOnlySpan<float> Strengths { get; } = strengths;

        /// <summary>Gates before sigmoid [H].</summary>
        public ReadOnlySpan<float> Gates { get; } = gates;

        /// <summary>Shift logits [H, 3].</summary>
        public ReadOnlySpan<float> Shifts { get; } = shifts;

        /// <summary>Sharpening before 1 + softplus [H].</summary>
        public ReadOnlySpan<float> Sharpening { get; } = sharpening;
    }

    /// <summary>
    /// One batch item's gradient slices of the addressing inputs, each overwritten except <see cref="Memory"/>, which is
    /// added to; an empty span skips that gradient.
    /// </summary>
    public ref struct ItemGradients
    {
        /// <summary>dM transposed, [Wd, N]: the content part is added to what it holds.</summary>
        public Span<float> Memory;

        /// <summary>dw_prev [H, N].</summary>
        public Span<float> Previous;

        /// <summary>dk [H, Wd].</summary>
        public Span<float> Keys;

        /// <summary>dβ̂ [H].</summary>
        public Span<float> Strengths;

        /// <summary>dĝ [H].</summary>
        public Span<float> Gates;

        /// <summary>dŝ [H, 3].</summary>
        public Span<float> Shifts;

        /// <summary>dγ̂ [H].</summary>
        public Span<float> Sharpening;
    }

    /// <summary>Item <paramref name="b"/> of the heads' raw parameters.</summary>
    public static HeadItem Item(NtmHeadInterface head, int b, int heads, int width) => new(
        head.Keys.Values.Slice(b * heads * width, heads * width), head.Strengths.Values.Slice(b * heads, heads),
        head.Gates.Values.Slice(b * heads, heads), head.Shifts.Values.Slice(b * heads * NtmAddressing.ShiftCount, heads * NtmAddressing.ShiftCount),
        head.Sharpening.Values.Slice(b * heads, heads));

    /// <summary>
    /// One batch item: memory transposed, <paramref name="columns"/> [Wd, N], previous weights [H, N] and the heads' raw
    /// parameters → weights [H, N]; fills <paramref name="saved"/> (<see cref="SavedPerItem"/> floats) for <see cref="BackwardItem"/>.
    /// </summary>
    public static void ForwardItem(ReadOnlySpan<float> columns, int width, ReadOnlySpan<float> previous, HeadItem head, Span<float> saved, Span<float> weights)
    {
        int heads = head.Strengths.Length, cells = columns.Length / width;
        int contentSaved = ContentSaved(heads, cells);
        var content = saved.Slice(contentSaved, heads * cells);
        ContentForward(columns, width, head.Keys, head.Strengths, saved[..contentSaved], content);
        for (int h = 0; h < heads; h++)
        {
            var own = saved[HeadOffset(contentSaved, heads, cells, h)..];
            Span<float> gated = own[..cells], logs = own.Slice(cells, cells), scalars = own.Slice(2 * cells, PerHead);
            var c = content.Slice(h * cells, cells);
            var o = weights.Slice(h * cells, cells);
            // Interpolation: w_g = g·w_c + (1 − g)·w_prev.
            float gate = AddressingMath.Sigmoid(head.Gates[h]);
            TensorPrimitives.Multiply(previous.Slice(h * cells, cells), 1f - gate, gated);
            TensorPrimitives.MultiplyAdd(c, gate, gated, gated);
            var (down, stay, up) = ShiftWeights(head.Shifts.Slice(3 * h, 3));
            Convolve(gated, down, stay, up, o);
            // Sharpening on u = w / max(w), so a large γ cannot underflow the sum: o = u^γ / Σ u^γ = exp(γ·log u) / Σ.
            float max = TensorPrimitives.Max(o);
            float gamma = 1f + AddressingMath.Softplus(head.Sharpening[h]);
            scalars[0] = max;
            scalars[2] = gamma;
            if (!(max > 0f)) { o.Clear(); scalars[1] = 0f; continue; }   // an all-zero row stays all zero
            TensorPrimitives.Multiply(o, 1f / max, logs);
            NtmColumns.Log(logs, logs);
            TensorPrimitives.Multiply(logs, gamma, o);
            FloatMath.Exp(o, o);
            float sum = TensorPrimitives.Sum(o);
            scalars[1] = sum;
            TensorPrimitives.Multiply(o, 1f / sum, o);
        }
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
    /// Σ_{o&gt;0} g·o·(log u − mean) (g = 1 when <paramref name="g"/> is empty): with g = 1 and mean = 0 the mean of log u
    /// under o, with the gradient g the sharpening exponent's gradient. Cells where o = 0 (log u = −∞) are left out.
    /// </summary>
    private static float MaskedDot(ReadOnlySpan<float> g, ReadOnlySpan<float> o, ReadOnlySpan<float> logs, float mean)
    {
        int n = o.Length, j = 0, lanes = Vector<float>.Count;
        bool weighted = !g.IsEmpty;
        if ((weighted && g.Length < n) || logs.Length < n)
            throw new ArgumentException($"NtmAddressingKernel.MaskedDot: need {n} floats, got {g.Length} and {logs.Length}");
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float o0 = ref MemoryMarshal.GetReference(o);
        ref float l0 = ref MemoryMarshal.GetReference(logs);
        var lanesSum = Vector<float>.Zero;
        for (; j <= n - lanes; j += lanes)
        {
            var ov = Vector.LoadUnsafe(ref o0, (nuint)j);
            var term = ov * (Vector.LoadUnsafe(ref l0, (nuint)j) - new Vector<float>(mean));
            if (weighted) term *= Vector.LoadUnsafe(ref g0, (nuint)j);
            lanesSum += Vector.ConditionalSelect(Vector.GreaterThan(ov, Vector<float>.Zero), term, Vector<float>.Zero);
        }
        float sum = Vector.Sum(lanesSum);
        for (; j < n; j++)
            if (o[j] > 0f) sum += (weighted ? g[j] : 1f) * o[j] * (logs[j] - mean);
        return sum;
    }

    /// <summary>
    /// o(i) = down·w(i+1) + stay·w(i) + up·w(i−1), indices modulo N. With (down, stay, up) swapped to (up, stay, down) it
    /// is the transpose, which the backward uses.
    /// </summary>
    private static void Convolve(ReadOnlySpan<float> w, float down, float stay, float up, Span<float> o)
    {
        int n = w.Length;
        if (n == 1) { o[0] = (down + stay + up) * w[0]; return; }
        if (o.Length < n) throw new ArgumentException($"NtmAddressingKernel.Convolve: need {n} floats, got {o.Length}");
        o[0] = down * w[1] + stay * w[0] + up * w[n - 1];
        // The interior in vectors (shifted loads), the wrapped ends apart.
        ref float x = ref MemoryMarshal.GetReference(w);
        ref float y = ref MemoryMarshal.GetReference(o);
        int i = 1, lanes = Vector<float>.Count;
        for (; i <= n - 1 - lanes; i += lanes)
            (Vector.LoadUnsafe(ref x, (nuint)(i + 1)) * down + Vector.LoadUnsafe(ref x, (nuint)i) * stay
                + Vector.LoadUnsafe(ref x, (nuint)(i - 1)) * up).StoreUnsafe(ref y, (nuint)i);
        for (; i < n - 1; i++) o[i] = down * w[i + 1] + stay * w[i] + up * w[i - 1];
        o[n - 1] = down * w[0] + stay * w[n - 1] + up * w[n - 2];
    }

    /// <summary>
    /// Per head, from dL/do: sharpening dw_s(j) = γ·u_j^(γ−1) / (max·Σu^γ)·(g_j − Σ g·o) and dγ = Σ g·o·(log u − Σ o·log u)
    /// (over o &gt; 0); the shift's transpose for dw_g and Σ_i dw_s(i)·w_g(i ± 1) for the shift weights; then dw_c = g·dw_g,
    /// dw_prev = (1 − g)·dw_g, dg = Σ dw_g·(w_c − w_prev); the activations' derivatives; and the content kernel's backward.
    /// </summary>
    private static Tensor?[] Backward(Tensor g, Tensor output, Tensor memory, Tensor previous, NtmHeadInterface head,
        float[] saved, int savedPerItem)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), heads = previous.Dim(1);
        // The backward pass's arena buffers: no allocation once warm (the memory-sized dM included).
        var dMemory = memory.RequiresGrad ? Tensor.BackwardBuffer(memory.ShapeArray()) : null;
        var dPrevious = previous.RequiresGrad ? Tensor.BackwardBuffer(previous.ShapeArray()) : null;
        var dKeys = head.Keys.RequiresGrad ? Tensor.BackwardBuffer(head.Keys.ShapeArray()) : null;
        var dStrengths = head.Strengths.RequiresGrad ? Tensor.BackwardBuffer(head.Strengths.ShapeArray()) : null;
        var dGates = head.Gates.RequiresGrad ? Tensor.BackwardBuffer(head.Gates.ShapeArray()) : null;
        var dShifts = head.Shifts.RequiresGrad ? Tensor.BackwardBuffer(head.Shifts.ShapeArray()) : null;
        var dSharpening = head.Sharpening.RequiresGrad ? Tensor.BackwardBuffer(head.Sharpening.ShapeArray()) : null;
        BatchParallel.For(batch, 4L * heads * cells * width, (cells, width, memory, dMemory, dPrevious, heads, dKeys, dStrengths, dGates,
            dShifts, dSharpening, g, output, previous, head, saved, savedPerItem), static (state, b) =>
        {
            var (cells, width, memory, dMemory, dPrevious, heads, dKeys, dStrengths, dGates, dShifts, dSharpening, g, output, previous,
                head, saved, savedPerItem) = state;
            // The item's memory and its gradient, both transposed, [Wd, N].
            var scratch = NtmColumns.Scratch(2 * cells * width);
            Span<float> columns = scratch[..(cells * width)], dColumns = scratch[(cells * width)..];
            NtmColumns.Transpose(memory.Values.Slice(b * cells * width, cells * width), cells, width, columns);
            dColumns.Clear();
            var grads = new ItemGradients
            {
                Memory = dMemory is null ? default : dColumns,
                Previous = AddressingMath.ItemSlice(dPrevious, b, heads * cells),
                Keys = AddressingMath.ItemSlice(dKeys, b, heads * width),
                Strengths = AddressingMath.ItemSlice(dStrengths, b, heads),
                Gates = AddressingMath.ItemSlice(dGates, b, heads),
                Shifts = AddressingMath.ItemSlice(dShifts, b, heads * NtmAddressing.ShiftCount),
                Sharpening = AddressingMath.ItemSlice(dSharpening, b, heads),
            };
            BackwardItem(g.Values.Slice(b * heads * cells, heads * cells), output.Values.Slice(b * heads * cells, heads * cells),
                columns, width, previous.Values.Slice(b * heads * cells, heads * cells), Item(head, b, heads, width),
                saved.AsSpan(b * savedPerItem, savedPerItem), grads);
            if (dMemory is not null) NtmColumns.Transpose(dColumns, width, cells, dMemory.Data.Slice(b * cells * width, cells * width));
        });
        return [dMemory, dPrevious, dKeys, dStrengths, dGates, dShifts, dSharpening];
    }

    /// <summary>
    /// One batch item's backward (see <see cref="Backward"/>): the weights' gradient <paramref name="gOut"/> and the
    /// weights <paramref name="o"/> [H, N], the item's memory transposed (<paramref name="columns"/>, [Wd, N]) and other
    /// inputs and what <see cref="ForwardItem"/> saved → the gradients in <paramref name="grads"/> (see <see cref="ItemGradients"/>).
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> gOut, ReadOnlySpan<float> o, ReadOnlySpan<float> columns, int width,
        ReadOnlySpan<float> previous, HeadItem head, Span<float> saved, ItemGradients grads)
    {
        int heads = head.Strengths.Length, cells = columns.Length / width;
        int contentSaved = ContentSaved(heads, cells);
        int scratchSize = heads * cells + 2 * cells;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dContent = scratch[..(heads * cells)];
        var dShifted = scratch.Slice(heads * cells, cells);
        var dGated = scratch.Slice(heads * cells + cells, cells);
        var content = saved.Slice(contentSaved, heads * cells);
        for (int h = 0; h < heads; h++)
        {
            var own = saved[HeadOffset(contentSaved, heads, cells, h)..];
            ReadOnlySpan<float> gated = own[..cells], logs = own.Slice(cells, cells), scalars = own.Slice(2 * cells, PerHead);
            float max = scalars[0], sum = scalars[1], gamma = scalars[2];
            var oh = o.Slice(h * cells, cells);
            var gh = gOut.Slice(h * cells, cells);
            float dGamma = 0f;
            if (max > 0f)
            {
                float dot = TensorPrimitives.Dot(gh, oh);
                // u^(γ−1), with 0^0 = 1 at γ = 1 (where exp(0·log 0) would be NaN).
                if (gamma == 1f) dShifted.Fill(1f);
                else
                {
                    TensorPrimitives.Multiply(logs, gamma - 1f, dShifted);
                    FloatMath.Exp(dShifted, dShifted);
                }
                float scale = gamma / (max * sum);
                // ds = u^(γ−1)·scale·(g − dot), the factor in dGated (free until the shift's transpose fills it).
                TensorPrimitives.Subtract(gh, dot, dGated);
                TensorPrimitives.Multiply(dGated, scale, dGated);
                TensorPrimitives.Multiply(dShifted, dGated, dShifted);
                // Sums over o > 0 only: log u is −∞ where o = 0.
                dGamma = MaskedDot(gh, oh, logs, MaskedDot(default, oh, logs, 0f));
            }
            else dShifted.Clear();
            if (!grads.Sharpening.IsEmpty) grads.Sharpening[h] = dGamma * AddressingMath.Sigmoid(head.Sharpening[h]);

            var (down, stay, up) = ShiftWeights(head.Shifts.Slice(3 * h, 3));
            Convolve(dShifted, up, stay, down, dGated);
            if (!grads.Shifts.IsEmpty)
            {
                // ∂L/∂s over (down, stay, up), then through the softmax: s ⊙ (ds − Σ ds·s).
                float dStay = AddressingMath.Dot(dShifted, gated), dDown, dUp;
                if (cells == 1) (dDown, dUp) = (dStay, dStay);
                else
                {
                    // Σ_i ds(i)·w_g(i ± 1), indices modulo N: the shifted interior plus the wrapped term.
                    dDown = AddressingMath.Dot(dShifted[..(cells - 1)], gated[1..]) + dShifted[cells - 1] * gated[0];
                    dUp = AddressingMath.Dot(dShifted[1..], gated) + dShifted[0] * gated[cells - 1];
                }
                float mean = dDown * down + dStay * stay + dUp * up;
                grads.Shifts[3 * h] = down * (dDown - mean);
                grads.Shifts[3 * h + 1] = stay * (dStay - mean);
                grads.Shifts[3 * h + 2] = up * (dUp - mean);
            }

            float gate = AddressingMath.Sigmoid(head.Gates[h]);
            var c = content.Slice(h * cells, cells);
            var previousRow = previous.Slice(h * cells, cells);
            TensorPrimitives.Multiply(dGated, gate, dContent.Slice(h * cells, cells));
            if (!grads.Previous.IsEmpty) TensorPrimitives.Multiply(dGated, 1f - gate, grads.Previous.Slice(h * cells, cells));
            if (!grads.Gates.IsEmpty)
                grads.Gates[h] = (TensorPrimitives.Dot(dGated, c) - TensorPrimitives.Dot(dGated, previousRow)) * gate * (1f - gate);
        }
        if (grads.Memory.IsEmpty && grads.Keys.IsEmpty && grads.Strengths.IsEmpty) return;
        ContentBackward(content, dContent, columns, width, head.Keys, head.Strengths, saved[..contentSaved], grads.Memory, grads.Keys, grads.Strengths);
    }

    /// <summary>
    /// Content weights of one item: memory transposed [Wd, N], keys [H, Wd], strengths [H] (before softplus) → weights
    /// [H, N] = softmax_N(softplus(β)·cos(k, M_n)), cos = k·M_n / (norm(k)·norm(M_n) + ε), norm(x) = sqrt(Σ x² + ε); keeps
    /// the similarities [H, N], memory norms [N], key norms [H] and sharpness [H] in <paramref name="saved"/>.
    /// </summary>
    private static void ContentForward(ReadOnlySpan<float> columns, int width, ReadOnlySpan<float> keys, ReadOnlySpan<float> strengths,
        Span<float> saved, Span<float> weights)
    {
        int heads = strengths.Length, cells = columns.Length / width;
        ContentValues.Split(saved, heads, cells, out var similarity, out var memoryNorms, out var keyNorms, out var sharpness);
        NtmColumns.SumOfSquares(columns, width, memoryNorms);
        TensorPrimitives.Add(memoryNorms, CosineEpsilon, memoryNorms);
        TensorPrimitives.Sqrt(memoryNorms, memoryNorms);
        for (int h = 0; h < heads; h++)
        {
            var key = keys.Slice(h * width, width);
            keyNorms[h] = MathF.Sqrt(AddressingMath.Dot(key, key) + CosineEpsilon);
            sharpness[h] = AddressingMath.Softplus(strengths[h]);
            var sim = similarity.Slice(h * cells, cells);
            var logits = weights.Slice(h * cells, cells);
            NtmColumns.Combine(columns, key, sim, accumulate: false);
            // sim = k·M_n / (norm(k)·norm(M_n) + ε), logits = sharpness·sim.
            TensorPrimitives.Multiply(memoryNorms, keyNorms[h], logits);
            TensorPrimitives.Add(logits, CosineEpsilon, logits);
            TensorPrimitives.Divide(sim, logits, sim);
            TensorPrimitives.Multiply(sim, sharpness[h], logits);
            // Softmax over the cells, shifted by the maximum so large strengths do not overflow.
            TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), logits);
            FloatMath.Exp(logits, logits);
            TensorPrimitives.Multiply(logits, 1f / TensorPrimitives.Sum(logits), logits);
        }
    }

    /// <summary>
    /// The content weights' backward for one item, from the weights w and their gradient g [H, N]: with
    /// d = w ⊙ (g − Σ g·w) and D = norm(k)·norm(M)ᵀ + ε, dβ = Σ_N d·sim·σ(β); dsim = d·softplus(β); ddot = dsim / D;
    /// dD = −dsim·sim / D, which reaches the norms and through x / norm(x) the rows. dk is overwritten; dM (transposed,
    /// [Wd, N]) is added to; an empty span skips that gradient.
    /// </summary>
    private static void ContentBackward(ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> columns, int width,
        ReadOnlySpan<float> keys, ReadOnlySpan<float> strengths, Span<float> saved,
        Span<float> dColumns, Span<float> dKeys, Span<float> dStrengths)
    {
        int heads = strengths.Length, cells = columns.Length / width;
        int scratchSize = heads * cells + cells;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dDot = scratch[..(heads * cells)];                       // dL/d(k·Mᵀ), [H, N]
        var dMemoryNorms = scratch.Slice(heads * cells, cells);
        dMemoryNorms.Clear();
        ContentValues.Split(saved, heads, cells, out var similarity, out var memoryNorms, out var keyNorms, out var sharpness);
        for (int h = 0; h < heads; h++)
        {
            var wh = w.Slice(h * cells, cells);
            var sim = similarity.Slice(h * cells, cells);
            var dh = dDot.Slice(h * cells, cells);
            var gh = g.Slice(h * cells, cells);
            var (dSharpness, dKeyNorm) = SimilarityBackward(gh, wh, sim, memoryNorms, keyNorms[h], sharpness[h], dh, dMemoryNorms);
            if (!dStrengths.IsEmpty) dStrengths[h] = dSharpness * AddressingMath.Sigmoid(strengths[h]);
            if (dKeys.IsEmpty) continue;
            // dk_h = Σ_n ddot[h, n]·M_n + dnorm(k_h)·k_h / norm(k_h)
            var dk = dKeys.Slice(h * width, width);
            NtmColumns.Dots(columns, dh, dk);
            TensorPrimitives.MultiplyAdd(keys.Slice(h * width, width), dKeyNorm / keyNorms[h], dk, dk);
        }
        if (dColumns.IsEmpty) return;
        // dM_n = Σ_h ddot[h, n]·k_h + dnorm(M_n)·M_n / norm(M_n), row d of the transpose at a time.
        TensorPrimitives.Divide(dMemoryNorms, memoryNorms, dMemoryNorms);
        Span<float> coefficients = stackalloc float[heads];
        for (int d = 0; d < width; d++)
        {
            for (int h = 0; h < heads; h++) coefficients[h] = keys[h * width + d];
            AddRow(columns.Slice(d * cells, cells), dMemoryNorms, dDot, coefficients, dColumns.Slice(d * cells, cells));
        }
    }

    /// <summary>
    /// One head's similarity backward in one pass along the N cells: with dlogit = w ⊙ (g − Σ g·w), writes
    /// ddot = sharpness·dlogit / D (D = norm(k)·norm(M) + ε) to <paramref name="dDot"/>, adds −norm(k)·ddot·sim to
    /// <paramref name="dMemoryNorms"/>; returns Σ dlogit·sim (the sharpness's gradient) and −Σ ddot·sim·norm(M) (the key norm's).
    /// </summary>
    private static (float DSharpness, float DKeyNorm) SimilarityBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> sim,
        ReadOnlySpan<float> memoryNorms, float keyNorm, float sharpness, Span<float> dDot, Span<float> dMemoryNorms)
    {
        int n = w.Length, i = 0, lanes = Vector<float>.Count;
        if (g.Length < n || sim.Length < n || memoryNorms.Length < n || dDot.Length < n || dMemoryNorms.Length < n)
            throw new ArgumentException($"NtmAddressingKernel.SimilarityBackward: need {n} floats in every span");
        float dot = AddressingMath.Dot(g, w);
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float s0 = ref MemoryMarshal.GetReference(sim);
        ref float m0 = ref MemoryMarshal.GetReference(memoryNorms);
        ref float d0 = ref MemoryMarshal.GetReference(dDot);
        ref float n0 = ref MemoryMarshal.GetReference(dMemoryNorms);
        Vector<float> sharpnessLanes = Vector<float>.Zero, keyNormLanes = Vector<float>.Zero;
        for (; i <= n - lanes; i += lanes)
        {
            var s = Vector.LoadUnsafe(ref s0, (nuint)i);
            var m = Vector.LoadUnsafe(ref m0, (nuint)i);
            var logit = (Vector.LoadUnsafe(ref g0, (nuint)i) - new Vector<float>(dot)) * Vector.LoadUnsafe(ref w0, (nuint)i);
            sharpnessLanes += logit * s;
            var dd = logit * sharpness / (m * keyNorm + new Vector<float>(CosineEpsilon));
            dd.StoreUnsafe(ref d0, (nuint)i);
            var t = dd * s;
            keyNormLanes += t * m;
            (Vector.LoadUnsafe(ref n0, (nuint)i) + t * -keyNorm).StoreUnsafe(ref n0, (nuint)i);
        }
        float dSharpness = Vector.Sum(sharpnessLanes), dKeyNorm = Vector.Sum(keyNormLanes);
        for (; i < n; i++)
        {
            float logit = (g[i] - dot) * w[i];
            dSharpness += logit * sim[i];
            float dd = logit * sharpness / (memoryNorms[i] * keyNorm + CosineEpsilon);
            dDot[i] = dd;
            dKeyNorm += dd * sim[i] * memoryNorms[i];
            dMemoryNorms[i] += dd * sim[i] * -keyNorm;
        }
        return (dSharpness, -dKeyNorm);
    }

    /// <summary>
    /// Row d of dM (transposed): destination[n] += row[n]·scale[n] + Σ_h coefficients[h]·dDot[h, n], in one pass.
    /// </summary>
    private static void AddRow(ReadOnlySpan<float> row, ReadOnlySpan<float> scale, ReadOnlySpan<float> dDot, ReadOnlySpan<float> coefficients,
        Span<float> destination)
    {
        int n = destination.Length, heads = coefficients.Length, i = 0, lanes = Vector<float>.Count;
        if (row.Length < n || scale.Length < n || dDot.Length < heads * n)
            throw new ArgumentException($"NtmAddressingKernel.AddRow: need {n} floats per row");
        ref float r0 = ref MemoryMarshal.GetReference(row);
        ref float c0 = ref MemoryMarshal.GetReference(scale);
        ref float d0 = ref MemoryMarshal.GetReference(dDot);
        ref float o0 = ref MemoryMarshal.GetReference(destination);
        for (; i <= n - lanes; i += lanes)
        {
            var acc = Vector.LoadUnsafe(ref o0, (nuint)i) + Vector.LoadUnsafe(ref r0, (nuint)i) * Vector.LoadUnsafe(ref c0, (nuint)i);
            for (int h = 0; h < heads; h++) acc += Vector.LoadUnsafe(ref d0, (nuint)(h * n + i)) * coefficients[h];
            acc.StoreUnsafe(ref o0, (nuint)i);
        }
        for (; i < n; i++)
        {
            float acc = destination[i] + row[i] * scale[i];
            for (int h = 0; h < heads; h++) acc += dDot[h * n + i] * coefficients[h];
            destination[i] = acc;
        }
    }
}
