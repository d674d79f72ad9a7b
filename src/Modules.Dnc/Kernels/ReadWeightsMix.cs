using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using Tensor = Modules.Tensors.Tensor;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// The DNC's read weights as one fused op: the directional reads along every write head's link (forward
/// f_i = Σ_j L[i, j]·w_j, backward b_i = Σ_j L[j, i]·w_j, from the previous read weights w) mixed with the content
/// weights c by the read modes π: π_content·c + Σ_W π_fwd·f + Σ_W π_bwd·b. One pass over each link matrix computes
/// both directions; nothing link-sized is allocated in forward, and backward allocates only the gradients it returns.
/// </summary>
internal static class ReadWeightsMix
{
    private const string Op = "ReadWeightsMix";

    /// <summary>Computes the read weights.</summary>
    /// <param name="link">L, [B, W, N, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="contentWeights">c, [B, R, N].</param>
    /// <param name="readModes">π after the softmax, [B, R, 2W + 1], per head W backward, W forward, then content.</param>
    /// <returns>[B, R, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not agree.</exception>
    public static Tensor Apply(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes)
    {
        Validate(Op, link, previousReadWeights, contentWeights, readModes);
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1);
        var result = Tensor.AllocateUninitialized(b, reads, n);   // uncleared: ForwardContent writes every element first
        BatchParallel.For(b, 2L * writes * reads * n * n, (link, previousReadWeights, contentWeights, readModes,
            result), static (state, batch) =>
        {
            var (link, previousReadWeights, contentWeights, readModes, result) = state;
            Forward(link, previousReadWeights, contentWeights, readModes, result, batch);
        });
        return Tensor.Custom(Op, result, [link, previousReadWeights, contentWeights, readModes], default(ValueTuple),
            static (x, _, g) => Backward(x[0], x[1], x[2], x[3], g));
    }

    /// <summary>Checks link [B, W, N, N], previous reads and content [B, R, N] and modes [B, R, 2W + 1], naming <paramref name="op"/>.</summary>
    internal static void Validate(string op, Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(previousReadWeights);
        ArgumentNullException.ThrowIfNull(contentWeights);
        ArgumentNullException.ThrowIfNull(readModes);
        if (link.Rank != 4 || link.Dim(2) != link.Dim(3))
            throw new ShapeMismatchException(op, "link", link.Rank == 4 ? [link.Dim(0), link.Dim(1), link.Dim(2), link.Dim(2)] : new[] { -1, -1, -1, -1 }, link.Shape, " ([B, W, N, N])");
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2);
        if (previousReadWeights.Rank != 3 || previousReadWeights.Dim(0) != b || previousReadWeights.Dim(2) != n)
            throw new ShapeMismatchException(op, "previous read weights", [b, -1, n], previousReadWeights.Shape, " ([B, R, N])");
        int reads = previousReadWeights.Dim(1);
        if (!contentWeights.Shape.SequenceEqual(previousReadWeights.Shape))
            throw new ShapeMismatchException(op, "content weights", previousReadWeights.Shape, contentWeights.Shape, " (the read weights' shape, [B, R, N])");
        if (!readModes.Shape.SequenceEqual([b, reads, 2 * writes + 1]))
            throw new ShapeMismatchException(op, "read modes", [b, reads, 2 * writes + 1], readModes.Shape, " ([B, R, 2W + 1])");
    }

    private static void Forward(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes, Tensor result, int batch)
    {
        int writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;
        ForwardBatch(link.Values.Slice(batch * writes * n * n, writes * n * n), previousReadWeights.Values.Slice(batch * reads * n, reads * n),
            contentWeights.Values.Slice(batch * reads * n, reads * n), readModes.Values.Slice(batch * reads * modes, reads * modes),
            result.Data.Slice(batch * reads * n, reads * n), writes, reads, n);
    }

    /// <summary>One batch entry: links [W, N, N], previous reads w and content c [R, N], modes π [R, 2W + 1] → output [R, N].</summary>
    internal static void ForwardBatch(ReadOnlySpan<float> link, ReadOnlySpan<float> w, ReadOnlySpan<float> c, ReadOnlySpan<float> pi,
        Span<float> output, int writes, int reads, int n)
    {
        ForwardContent(c, pi, output, writes, reads, n);
        var path = Simd.Current;
        for (int k = 0; k < writes; k++)
            for (int i = 0; i < n; i++)
            {
                var row = link.Slice((k * n + i) * n, n);
                if (RowLanes.IsScalar(path)) ForwardRow<Lanes1>(k, i, row, w, pi, output, writes);
                else ForwardRow<Lanes256>(k, i, row, w, pi, output, writes);
            }
    }

    /// <summary>Starts one batch entry's output [R, N] with the content term π_content·c (c [R, N], π [R, 2W + 1]).</summary>
    internal static void ForwardContent(ReadOnlySpan<float> c, ReadOnlySpan<float> pi, Span<float> output, int writes, int reads, int n)
    {
        int modes = 2 * writes + 1;
        for (int r = 0; r < reads; r++)
            TensorPrimitives.Multiply(c.Slice(r * n, n), pi[r * modes + 2 * writes], output.Slice(r * n, n));
    }

    /// <summary>
    /// Adds what row i of write head k's link L[k, i, :] sends to one batch entry's output [R, N], given the previous
    /// reads w [R, N] and modes π [R, 2W + 1]; rows must come in order k, then i, for a fixed summation order.
    /// </summary>
    internal static void ForwardRow<T>(int k, int i, ReadOnlySpan<float> row, ReadOnlySpan<float> w, ReadOnlySpan<float> pi, Span<float> output, int writes)
        where T : struct, ILanes<T>
    {
        int n = row.Length, reads = w.Length / n, modes = 2 * writes + 1;
        if (output.Length != w.Length)
            throw new ArgumentException($"ReadWeightsMix.ForwardRow: output must be [R, N] = {w.Length}, got {output.Length}");
        for (int r = 0; r < reads; r++)
        {
            var wr = w.Slice(r * n, n);
            var outR = output.Slice(r * n, n);
            // Forward: f_i = L[i, :]·w. Backward: row i of L carries w_i to every b_j = Σ_i L[i, j]·w_i. Both in one pass.
            float backwardCoefficient = pi[r * modes + k] * wr[i], outBefore = outR[i], rowDotW = 0f;
            int j = 0;
            if (n >= T.Count)
            {
                // Unchecked loads and stores: every span here is [N].
                ref float rowRef = ref MemoryMarshal.GetReference(row), wRef = ref MemoryMarshal.GetReference(wr), outRef = ref MemoryMarshal.GetReference(outR);
                T vBackward = T.Broadcast(backwardCoefficient), acc = T.Zero;
                for (; j <= n - T.Count; j += T.Count)
                {
                    nuint u = (nuint)j;
                    var rowV = T.Load(ref rowRef, u);
                    acc += rowV * T.Load(ref wRef, u);
                    (rowV * vBackward + T.Load(ref outRef, u)).Store(ref outRef, u);
                }
                rowDotW = acc.Sum();
            }
            for (; j < n; j++)
            {
                rowDotW += row[j] * wr[j];
                outR[j] = row[j] * backwardCoefficient + outR[j];
            }
            // f_i is added before row i's own backward term, as the unfused order does.
            outR[i] = row[i] * backwardCoefficient + (outBefore + pi[r * modes + writes + k] * rowDotW);
        }
    }

    private static Tensor?[] Backward(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes, Tensor grad)
    {
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;
        var dLink = link.RequiresGrad ? Tensor.BackwardBuffer(link.Shape) : null;
        var dRead = previousReadWeights.RequiresGrad ? Tensor.BackwardBuffer(previousReadWeights.Shape) : null;
        var dContent = contentWeights.RequiresGrad ? Tensor.BackwardBuffer(contentWeights.Shape) : null;
        var dModes = readModes.RequiresGrad ? Tensor.BackwardBuffer(readModes.Shape) : null;
        BatchParallel.For(b, 4L * writes * reads * n * n, (previousReadWeights, reads, n, readModes, modes, grad, dRead, dModes,
            contentWeights, dContent, writes, dLink, link), static (state, batch) =>
        {
            var (previousReadWeights, reads, n, readModes, modes, grad, dRead, dModes, contentWeights, dContent, writes, dLink,
                link) = state;
            var w = previousReadWeights.Values.Slice(batch * reads * n, reads * n);
            var pi = readModes.Values.Slice(batch * reads * modes, reads * modes);
            var g = grad.Values.Slice(batch * reads * n, reads * n);
            var dw = AddressingMath.ItemSlice(dRead, batch, reads * n);
            var dpi = AddressingMath.ItemSlice(dModes, batch, reads * modes);
            BackwardContent(g, contentWeights.Values.Slice(batch * reads * n, reads * n), pi,
                AddressingMath.ItemSlice(dContent, batch, reads * n), dpi, writes, reads);
            if (dLink is null && dRead is null && dModes is null) return;
            var l = link.Values.Slice(batch * writes * n * n, writes * n * n);
            var dl = AddressingMath.ItemSlice(dLink, batch, writes * n * n);
            var path = Simd.Current;
            for (int k = 0; k < writes; k++)
                for (int i = 0; i < n; i++)
                {
                    int at = (k * n + i) * n;
                    var row = l.Slice(at, n);
                    var dlRow = dLink is null ? default : dl.Slice(at, n);
                    if (RowLanes.IsScalar(path)) BackwardRow<Lanes1>(k, i, row, w, g, pi, dw, dpi, dlRow, writes);
                    else BackwardRow<Lanes256>(k, i, row, w, g, pi, dw, dpi, dlRow, writes);
                }
        });
        return Tensor.GradientSlots(dLink, dRead, dContent, dModes);
    }

    /// <summary>
    /// The content term's backward for one batch entry: dc = π_content·g into <paramref name="dc"/> and
    /// dπ_content = g·c into <paramref name="dpi"/> (each skipped when empty).
    /// </summary>
    internal static void BackwardContent(ReadOnlySpan<float> g, ReadOnlySpan<float> c, ReadOnlySpan<float> pi, Span<float> dc, Span<float> dpi,
        int writes, int reads)
    {
        if (reads == 0) return;
        int n = g.Length / reads, modes = 2 * writes + 1;
        for (int r = 0; r < reads; r++)
        {
            var gr = g.Slice(r * n, n);
            if (!dc.IsEmpty) TensorPrimitives.Multiply(gr, pi[r * modes + 2 * writes], dc.Slice(r * n, n));
            if (!dpi.IsEmpty) dpi[r * modes + 2 * writes] = TensorPrimitives.Dot(gr, c.Slice(r * n, n));
        }
    }

    /// <summary>
    /// Row i of write head k's link L[k, i, :] in backward, for one batch entry: adds to the gradients of the previous
    /// reads dw [R, N], of the modes dπ [R, 2W + 1] and of the link row dl [N] (each skipped when empty), given the
    /// output gradient g [R, N].
    /// </summary>
    internal static void BackwardRow<T>(int k, int i, ReadOnlySpan<float> row, ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> pi,
        Span<float> dw, Span<float> dpi, Span<float> dl, int writes) where T : struct, ILanes<T>
    {
        int n = row.Length, reads = w.Length / n, modes = 2 * writes + 1;
        bool wantReads = !dw.IsEmpty, wantLink = !dl.IsEmpty;
        if (g.Length != w.Length || (wantReads && dw.Length != w.Length) || (wantLink && dl.Length != n))
            throw new ArgumentException($"ReadWeightsMix.BackwardRow: spans must be [R, N] = {w.Length} and [N] = {n}, got g {g.Length}, dw {dw.Length}, dl {dl.Length}");
        for (int r = 0; r < reads; r++)
        {
            var wr = w.Slice(r * n, n);
            var gr = g.Slice(r * n, n);
            var dwr = wantReads ? dw.Slice(r * n, n) : default;
            float piForward = pi[r * modes + writes + k], piBackward = pi[r * modes + k];
            float forwardCoefficient = piForward * gr[i];     // ∂/∂f_i
            float backwardCoefficient = piBackward * wr[i];    // row i's share of every b_j
            float dwBefore = wantReads ? dwr[i] : 0f;

            // One pass over the row for both dot products and both accumulations (per element in the order of the
            // separate multiply-adds: dw += row·fc; dl = (dl + w·fc) + g·bc), instead of five passes.
            float rowDotG = 0f, rowDotW = 0f;
            int j = 0;
            if (n >= T.Count)
            {
                // Unchecked loads and stores: every span here is [N] (checked above), and this is the step's hottest loop.
                ref float rowRef = ref MemoryMarshal.GetReference(row), wRef = ref MemoryMarshal.GetReference(wr);
                ref float gRef = ref MemoryMarshal.GetReference(gr), dwRef = ref MemoryMarshal.GetReference(dwr);
                ref float dlRef = ref MemoryMarshal.GetReference(dl);
                T vForward = T.Broadcast(forwardCoefficient), vBackward = T.Broadcast(backwardCoefficient), accG = T.Zero, accW = T.Zero;
                for (; j <= n - T.Count; j += T.Count)
                {
                    nuint u = (nuint)j;
                    var rowV = T.Load(ref rowRef, u);
                    var wV = T.Load(ref wRef, u);
                    var gV = T.Load(ref gRef, u);
                    accG += rowV * gV;
                    accW += rowV * wV;
                    if (wantReads) (rowV * vForward + T.Load(ref dwRef, u)).Store(ref dwRef, u);
                    if (wantLink) ((T.Load(ref dlRef, u) + wV * vForward) + gV * vBackward).Store(ref dlRef, u);
                }
                rowDotG = accG.Sum();
                rowDotW = accW.Sum();
            }
            for (; j < n; j++)
            {
                rowDotG += row[j] * gr[j];
                rowDotW += row[j] * wr[j];
                if (wantReads) dwr[j] = row[j] * forwardCoefficient + dwr[j];
                if (wantLink) dl[j] = (dl[j] + wr[j] * forwardCoefficient) + gr[j] * backwardCoefficient;
            }
            if (!dpi.IsEmpty)
            {
                dpi[r * modes + writes + k] += gr[i] * rowDotW;
                dpi[r * modes + k] += wr[i] * rowDotG;
            }
            // b_j's gradient reaches w_i through row i; added before row i's own term, as the unfused order does.
            if (wantReads) dwr[i] = row[i] * forwardCoefficient + (dwBefore + piBackward * rowDotG);
        }
    }
}
