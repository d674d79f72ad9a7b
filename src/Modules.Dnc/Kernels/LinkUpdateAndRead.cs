using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// <see cref="LinkUpdate"/> followed by <see cref="ReadWeightsMix"/> on the new link, as one op with three outputs:
/// the new link, the new precedence and the read weights. The point is backward: the new link's gradient from the next
/// step and the reads' contribution are summed one row at a time in a scratch row and pushed straight through the link
/// update, so the only link-sized array backward allocates is the gradient of the previous link (the two separate ops
/// need three: the reads' link gradient, the sum of the two link gradients, and the previous link's).
/// </summary>
internal static class LinkUpdateAndRead
{
    private const string Op = "LinkUpdateAndRead";

    /// <summary>Updates the linkage with this step's writes and reads along the new link.</summary>
    /// <param name="previousLink">L_{t−1}, [B, W, N, N].</param>
    /// <param name="previousPrecedence">p_{t−1}, [B, W, N].</param>
    /// <param name="writeWeights">w_t, [B, W, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="contentWeights">c_t, [B, R, N].</param>
    /// <param name="readModes">π_t after the softmax, [B, R, 2W + 1]: per head W backward, W forward, then content.</param>
    /// <returns>L_t [B, W, N, N], p_t [B, W, N] and the read weights [B, R, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not agree.</exception>
    public static (Tensor Link, Tensor Precedence, Tensor ReadWeights) Apply(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights,
        Tensor previousReadWeights, Tensor contentWeights, Tensor readModes)
    {
        LinkUpdate.Validate(Op, previousLink, previousPrecedence, writeWeights);
        ReadWeightsMix.Validate(Op, previousLink, previousReadWeights, contentWeights, readModes);
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;

        // Uncleared: every row of the link and the precedence is written, and each read output is started by ForwardContent.
        var link = Tensor.AllocateUninitialized(b, writes, n, n);
        var precedence = Tensor.AllocateUninitialized(b, writes, n);
        var read = Tensor.AllocateUninitialized(b, reads, n);
        BatchParallel.For(b, (long)writes * n * n * (1 + 2 * reads), (previousReadWeights, reads, n, readModes, modes, read, contentWeights,
            writes, previousPrecedence, writeWeights, previousLink, link, precedence), static (state, batch) =>
        {
            var (previousReadWeights, reads, n, readModes, modes, read, contentWeights, writes, previousPrecedence, writeWeights,
                previousLink, link, precedence) = state;
            int wnn = writes * n * n, wn = writes * n, rn = reads * n;
            ForwardItem(previousLink.Values.Slice(batch * wnn, wnn), previousPrecedence.Values.Slice(batch * wn, wn),
                writeWeights.Values.Slice(batch * wn, wn), previousReadWeights.Values.Slice(batch * rn, rn), contentWeights.Values.Slice(batch * rn, rn),
                readModes.Values.Slice(batch * reads * modes, reads * modes), link.Data.Slice(batch * wnn, wnn), precedence.Data.Slice(batch * wn, wn),
                read.Data.Slice(batch * rn, rn), writes);
        });

        // The backward reads the new link's values (the output itself: its node is not involved).
        Tensor.Custom(Op, [link, precedence, read], [previousLink, previousPrecedence, writeWeights, previousReadWeights, contentWeights, readModes],
            link, static (x, newLink, g) => Backward(x[0], x[1], x[2], x[3], x[4], x[5], newLink, g));
        return (link, precedence, read);
    }

    /// <summary>
    /// One item: previous link [W, N, N] and precedence [W, N], write weights [W, N], previous read weights w [R, N], content
    /// weights [R, N] and read modes π [R, 2W + 1] → new link, new precedence and read weights [R, N] (every element written).
    /// One pass over the link: each new row is read by every head while it is still in the first-level cache.
    /// </summary>
    public static void ForwardItem(ReadOnlySpan<float> previousLink, ReadOnlySpan<float> previousPrecedence, ReadOnlySpan<float> writeWeights,
        ReadOnlySpan<float> w, ReadOnlySpan<float> content, ReadOnlySpan<float> pi, Span<float> link, Span<float> precedence, Span<float> output, int writes)
    {
        var path = Simd.Current;
        if (RowLanes.IsScalar(path)) ForwardItem<Lanes1>(previousLink, previousPrecedence, writeWeights, w, content, pi, link, precedence, output, writes);
        else ForwardItem<Lanes256>(previousLink, previousPrecedence, writeWeights, w, content, pi, link, precedence, output, writes);
    }

    private static void ForwardItem<T>(ReadOnlySpan<float> previousLink, ReadOnlySpan<float> previousPrecedence, ReadOnlySpan<float> writeWeights,
        ReadOnlySpan<float> w, ReadOnlySpan<float> content, ReadOnlySpan<float> pi, Span<float> link, Span<float> precedence, Span<float> output, int writes)
        where T : struct, ILanes<T>
    {
        int n = writeWeights.Length / writes, reads = w.Length / n;
        ReadWeightsMix.ForwardContent(content, pi, output, writes, reads, n);
        for (int k = 0; k < writes; k++)
        {
            var p = previousPrecedence.Slice(k * n, n);
            var ww = writeWeights.Slice(k * n, n);
            var oldLink = previousLink.Slice(k * n * n, n * n);
            var newLink = link.Slice(k * n * n, n * n);
            for (int i = 0; i < n; i++) ForwardRow<T>(k, i, oldLink.Slice(i * n, n), p, ww, newLink.Slice(i * n, n), w, pi, output, writes);
            LinkUpdate.ForwardPrecedence(p, ww, precedence.Slice(k * n, n));
        }
    }

    /// <summary>
    /// Row i of write head k's new link from the previous link's row, precedence p and writes w^w [N]
    /// (<see cref="LinkUpdate.ForwardRow"/>), then what it sends to every read head's output [R, N]
    /// (<see cref="ReadWeightsMix.ForwardRow"/>, given the previous reads w [R, N] and modes π [R, 2W + 1]). With four heads
    /// or more the row and the first four heads are one pass (<see cref="ForwardRow4"/>); bit-identical either way.
    /// </summary>
    internal static void ForwardRow<T>(int k, int i, ReadOnlySpan<float> oldRow, ReadOnlySpan<float> p, ReadOnlySpan<float> writeWeights,
        Span<float> newRow, ReadOnlySpan<float> w, ReadOnlySpan<float> pi, Span<float> output, int writes) where T : struct, ILanes<T>
    {
        int n = newRow.Length, reads = w.Length / n, modes = 2 * writes + 1, first = 0;
        if (reads >= 4)
        {
            ForwardRow4<T>(k, i, oldRow, p, writeWeights, newRow, w[..(4 * n)], pi[..(4 * modes)], output[..(4 * n)], writes);
            first = 4;
        }
        else
        {
            LinkUpdate.ForwardRow<T>(i, oldRow, p, writeWeights, newRow);
        }
        if (first < reads) ReadWeightsMix.ForwardRow<T>(k, i, newRow, w[(first * n)..], pi[(first * modes)..], output[(first * n)..], writes);
    }

    /// <summary>
    /// <see cref="LinkUpdate.ForwardRow"/> and <see cref="ReadWeightsMix.ForwardRow"/> for read heads 0 … 3 (w and output
    /// [4, N], π [4, 2W + 1]) in one pass: each vector of the new row goes to the four heads from a register instead of
    /// being stored and loaded again per head. Per element the same operations in the same order.
    /// </summary>
    private static void ForwardRow4<T>(int k, int i, ReadOnlySpan<float> oldRow, ReadOnlySpan<float> p, ReadOnlySpan<float> writeWeights,
        Span<float> newRow, ReadOnlySpan<float> w, ReadOnlySpan<float> pi, Span<float> output, int writes) where T : struct, ILanes<T>
    {
        int n = newRow.Length, modes = 2 * writes + 1;
        if (oldRow.Length != n || p.Length != n || writeWeights.Length != n || w.Length != 4 * n || output.Length != 4 * n)
            throw new ArgumentException($"LinkUpdateAndRead.ForwardRow4: spans must be [N] = {n} and [4, N] = {4 * n}, got link row {oldRow.Length}, p {p.Length}, writes {writeWeights.Length}, w {w.Length}, output {output.Length}");
        float oneMinusWi = 1f - writeWeights[i], wi = writeWeights[i];
        float bc0 = pi[k] * w[i], bc1 = pi[modes + k] * w[n + i], bc2 = pi[2 * modes + k] * w[2 * n + i], bc3 = pi[3 * modes + k] * w[3 * n + i];
        float before0 = output[i], before1 = output[n + i], before2 = output[2 * n + i], before3 = output[3 * n + i];
        float dot0 = 0f, dot1 = 0f, dot2 = 0f, dot3 = 0f;
        int j = 0;
        if (n >= T.Count)
        {
            // Unchecked loads and stores: every span was checked above.
            ref float oldRef = ref MemoryMarshal.GetReference(oldRow), pRef = ref MemoryMarshal.GetReference(p);
            ref float wwRef = ref MemoryMarshal.GetReference(writeWeights), rowRef = ref MemoryMarshal.GetReference(newRow);
            ref float wRef = ref MemoryMarshal.GetReference(w), outRef = ref MemoryMarshal.GetReference(output);
            nuint n1 = (nuint)n, n2 = 2 * n1, n3 = 3 * n1;
            T vOne = T.Broadcast(oneMinusWi), vWi = T.Broadcast(wi), b0 = T.Broadcast(bc0), b1 = T.Broadcast(bc1), b2 = T.Broadcast(bc2), b3 = T.Broadcast(bc3);
            T acc0 = T.Zero, acc1 = T.Zero, acc2 = T.Zero, acc3 = T.Zero;
            for (; j <= n - T.Count; j += T.Count)
            {
                nuint u = (nuint)j;
                var row = (vOne - T.Load(ref wwRef, u)) * T.Load(ref oldRef, u) + vWi * T.Load(ref pRef, u);
                // A cell is never linked to itself: the diagonal lane is masked to zero before the row is stored or read.
                if ((uint)(i - j) < (uint)T.Count) row = row.WithZeroAt(i - j);
                row.Store(ref rowRef, u);
                acc0 += row * T.Load(ref wRef, u);
                (row * b0 + T.Load(ref outRef, u)).Store(ref outRef, u);
                acc1 += row * T.Load(ref wRef, n1 + u);
                (row * b1 + T.Load(ref outRef, n1 + u)).Store(ref outRef, n1 + u);
                acc2 += row * T.Load(ref wRef, n2 + u);
                (row * b2 + T.Load(ref outRef, n2 + u)).Store(ref outRef, n2 + u);
                acc3 += row * T.Load(ref wRef, n3 + u);
                (row * b3 + T.Load(ref outRef, n3 + u)).Store(ref outRef, n3 + u);
            }
            var dots = T.Sum4(acc0, acc1, acc2, acc3);
            (dot0, dot1, dot2, dot3) = (dots[0], dots[1], dots[2], dots[3]);
        }
        for (; j < n; j++)
        {
            float row = j == i ? 0f : (oneMinusWi - writeWeights[j]) * oldRow[j] + wi * p[j];
            newRow[j] = row;
            dot0 += row * w[j];
            output[j] = row * bc0 + output[j];
            dot1 += row * w[n + j];
            output[n + j] = row * bc1 + output[n + j];
            dot2 += row * w[2 * n + j];
            output[2 * n + j] = row * bc2 + output[2 * n + j];
            dot3 += row * w[3 * n + j];
            output[3 * n + j] = row * bc3 + output[3 * n + j];
        }
        // f_i is added before row i's own backward term (row[i] = 0), as ReadWeightsMix.ForwardRow does.
        output[i] = newRow[i] * bc0 + (before0 + pi[writes + k] * dot0);
        output[n + i] = newRow[i] * bc1 + (before1 + pi[modes + writes + k] * dot1);
        output[2 * n + i] = newRow[i] * bc2 + (before2 + pi[2 * modes + writes + k] * dot2);
        output[3 * n + i] = newRow[i] * bc3 + (before3 + pi[3 * modes + writes + k] * dot3);
    }

    private static Tensor?[] Backward(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights, Tensor previousReadWeights,
        Tensor contentWeights, Tensor readModes, Tensor link, Tensor?[] grads)
    {
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;
        Tensor? linkGrad = grads[0], precedenceGrad = grads[1], readGrad = grads[2];
        // Uncleared: whenever dLink is wanted the loop below runs LinkUpdate.BackwardRow, which writes every element of each row.
        var dLink = previousLink.RequiresGrad && (linkGrad is not null || readGrad is not null) ? Tensor.BackwardBufferUninitialized(previousLink.Shape) : null;
        var dPrecedence = previousPrecedence.RequiresGrad ? Tensor.BackwardBuffer(previousPrecedence.Shape) : null;
        var dWrites = writeWeights.RequiresGrad ? Tensor.BackwardBuffer(writeWeights.Shape) : null;
        var dRead = previousReadWeights.RequiresGrad && readGrad is not null ? Tensor.BackwardBuffer(previousReadWeights.Shape) : null;
        var dContent = contentWeights.RequiresGrad && readGrad is not null ? Tensor.BackwardBuffer(contentWeights.Shape) : null;
        var dModes = readModes.RequiresGrad && readGrad is not null ? Tensor.BackwardBuffer(readModes.Shape) : null;

        BatchParallel.For(b, (long)writes * n * n * (3 + 4 * reads), (previousReadWeights, reads, n, readModes, modes, readGrad, dRead,
            dModes, contentWeights, dContent, writes, previousPrecedence, writeWeights, dPrecedence, dWrites, linkGrad, link, previousLink,
            dLink, precedenceGrad), static (state, batch) =>
        {
            var (previousReadWeights, reads, n, readModes, modes, readGrad, dRead, dModes, contentWeights, dContent, writes,
                previousPrecedence, writeWeights, dPrecedence, dWrites, linkGrad, link, previousLink, dLink, precedenceGrad) = state;
            int wnn = writes * n * n, wn = writes * n, rn = reads * n, rm = reads * modes;
            BackwardItem(previousLink.Values.Slice(batch * wnn, wnn), previousPrecedence.Values.Slice(batch * wn, wn),
                writeWeights.Values.Slice(batch * wn, wn), previousReadWeights.Values.Slice(batch * rn, rn),
                contentWeights.Values.Slice(batch * rn, rn), readModes.Values.Slice(batch * rm, rm), link.Values.Slice(batch * wnn, wnn),
                linkGrad is null ? default : linkGrad.Values.Slice(batch * wnn, wnn),
                precedenceGrad is null ? default : precedenceGrad.Values.Slice(batch * wn, wn),
                readGrad is null ? default : readGrad.Values.Slice(batch * rn, rn),
                AddressingMath.ItemSlice(dLink, batch, wnn), AddressingMath.ItemSlice(dPrecedence, batch, wn),
                AddressingMath.ItemSlice(dWrites, batch, wn), AddressingMath.ItemSlice(dRead, batch, rn),
                AddressingMath.ItemSlice(dContent, batch, rn), AddressingMath.ItemSlice(dModes, batch, rm), writes);
        });
        return Tensor.GradientSlots(dLink, dPrecedence, dWrites, dRead, dContent, dModes);
    }
    /// <summary>
    /// One item's backward from the gradients of the new link [W, N, N], the new precedence [W, N] and the read weights
    /// [R, N] (each empty when absent): dLink [W, N, N] is written (whenever a link or read gradient is given), dPrecedence,
    /// dWrites [W, N], dw, dContent [R, N] and dπ [R, 2W + 1] are added to (they must start at zero); each is skipped when empty.
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> previousLink, ReadOnlySpan<float> previousPrecedence, ReadOnlySpan<float> writeWeights,
        ReadOnlySpan<float> w, ReadOnlySpan<float> content, ReadOnlySpan<float> pi, ReadOnlySpan<float> link, ReadOnlySpan<float> linkGrad,
        ReadOnlySpan<float> precedenceGrad, ReadOnlySpan<float> g, Span<float> dLink, Span<float> dPrecedence, Span<float> dWrites,
        Span<float> dw, Span<float> dContent, Span<float> dpi, int writes)
    {
        var path = Simd.Current;
        if (RowLanes.IsScalar(path))
            BackwardItem<Lanes1>(previousLink, previousPrecedence, writeWeights, w, content, pi, link, linkGrad, precedenceGrad, g, dLink, dPrecedence, dWrites, dw, dContent, dpi, writes);
        else
            BackwardItem<Lanes256>(previousLink, previousPrecedence, writeWeights, w, content, pi, link, linkGrad, precedenceGrad, g, dLink, dPrecedence, dWrites, dw, dContent, dpi, writes);
    }

    private static void BackwardItem<T>(ReadOnlySpan<float> previousLink, ReadOnlySpan<float> previousPrecedence, ReadOnlySpan<float> writeWeights,
        ReadOnlySpan<float> w, ReadOnlySpan<float> content, ReadOnlySpan<float> pi, ReadOnlySpan<float> link, ReadOnlySpan<float> linkGrad,
        ReadOnlySpan<float> precedenceGrad, ReadOnlySpan<float> g, Span<float> dLink, Span<float> dPrecedence, Span<float> dWrites,
        Span<float> dw, Span<float> dContent, Span<float> dpi, int writes) where T : struct, ILanes<T>
    {
        int n = writeWeights.Length / writes, reads = w.Length / n;
        bool hasLink = !linkGrad.IsEmpty, hasRead = !g.IsEmpty;
        if (hasRead) ReadWeightsMix.BackwardContent(g, content, pi, dContent, dpi, writes, reads);
        Span<float> total = n <= 1024 ? stackalloc float[n] : new float[n];
        for (int k = 0; k < writes; k++)
        {
            var p = previousPrecedence.Slice(k * n, n);
            var ww = writeWeights.Slice(k * n, n);
            var dp = dPrecedence.IsEmpty ? default : dPrecedence.Slice(k * n, n);
            var dww = dWrites.IsEmpty ? default : dWrites.Slice(k * n, n);
            if (hasLink || hasRead)
            {
                var newLink = link.Slice(k * n * n, n * n);
                var oldLink = previousLink.Slice(k * n * n, n * n);
                for (int i = 0; i < n; i++)
                {
                    // ∂/∂L_t[i, :]: from the next step (if any), plus what the reads of this step send back.
                    var next = hasLink ? linkGrad.Slice(k * n * n + i * n, n) : default;
                    scoped ReadOnlySpan<float> rowGrad = next;
                    if (hasRead)
                    {
                        ReadsBackwardRow<T>(k, i, newLink.Slice(i * n, n), w, g, pi, dw, dpi, next, total, writes);
                        rowGrad = total;
                    }
                    LinkUpdate.BackwardRow<T>(i, rowGrad, oldLink.Slice(i * n, n), p, ww, dLink.IsEmpty ? default : dLink.Slice(k * n * n + i * n, n), dp, dww);
                }
            }
            if (!precedenceGrad.IsEmpty) LinkUpdate.BackwardPrecedence(precedenceGrad.Slice(k * n, n), p, ww, dp, dww);
        }
    }

    /// <summary>
    /// All read heads' backward for row i of write head k's new link (one batch entry): <see cref="ReadWeightsMix.BackwardRow"/>
    /// for every head, with the row's total gradient written to <paramref name="total"/> [N], starting from the next step's
    /// gradient <paramref name="next"/> [N] (empty: zero). Heads go four at a time through one pass over the row
    /// (<see cref="ReadsBackwardRow4"/>), the rest one at a time; per element the same operations in the same order,
    /// so the results are bit-identical to the head-by-head passes.
    /// </summary>
    internal static void ReadsBackwardRow<T>(int k, int i, ReadOnlySpan<float> row, ReadOnlySpan<float> w, ReadOnlySpan<float> g,
        ReadOnlySpan<float> pi, Span<float> dw, Span<float> dpi, ReadOnlySpan<float> next, Span<float> total, int writes) where T : struct, ILanes<T>
    {
        int n = row.Length, reads = w.Length / n, modes = 2 * writes + 1, r = 0;
        for (; r + 4 <= reads; r += 4)
        {
            ReadsBackwardRow4<T>(k, i, row, w.Slice(r * n, 4 * n), g.Slice(r * n, 4 * n), pi.Slice(r * modes, 4 * modes),
                dw.IsEmpty ? default : dw.Slice(r * n, 4 * n), dpi.IsEmpty ? default : dpi.Slice(r * modes, 4 * modes),
                r == 0 ? next : total, total, writes);
        }
        if (r > 0 && r == reads) return;
        if (r == 0)
        {
            if (next.IsEmpty) total.Clear();
            else next.CopyTo(total);
        }
        if (r < reads)
            ReadWeightsMix.BackwardRow<T>(k, i, row, w[(r * n)..], g[(r * n)..], pi[(r * modes)..], dw.IsEmpty ? default : dw[(r * n)..],
                dpi.IsEmpty ? default : dpi[(r * modes)..], total, writes);
    }

    /// <summary>
    /// <see cref="ReadWeightsMix.BackwardRow"/> for four read heads at once (w, g and dw [4, N], π and dπ [4, 2W + 1]): one
    /// pass over the row loads it and the link-gradient row once per vector for all four heads instead of once per head.
    /// The row's gradient is read from <paramref name="dlIn"/> (empty: zero; it may be <paramref name="dlOut"/>) and
    /// written to <paramref name="dlOut"/>, so the next step's gradient needs no copy.
    /// </summary>
    private static void ReadsBackwardRow4<T>(int k, int i, ReadOnlySpan<float> row, ReadOnlySpan<float> w, ReadOnlySpan<float> g,
        ReadOnlySpan<float> pi, Span<float> dw, Span<float> dpi, ReadOnlySpan<float> dlIn, Span<float> dlOut, int writes) where T : struct, ILanes<T>
    {
        int n = row.Length, modes = 2 * writes + 1;
        bool wantReads = !dw.IsEmpty, fromZero = dlIn.IsEmpty;
        if (w.Length != 4 * n || g.Length != 4 * n || (wantReads && dw.Length != 4 * n) || (!fromZero && dlIn.Length != n) || dlOut.Length != n)
            throw new ArgumentException($"LinkUpdateAndRead.ReadsBackwardRow4: spans must be [4, N] = {4 * n} and [N] = {n}, got w {w.Length}, g {g.Length}, dw {dw.Length}, dl {dlIn.Length}/{dlOut.Length}");
        // Per head h: ∂/∂f_i and row i's share of every b_j, as in ReadWeightsMix.BackwardRow.
        float fc0 = pi[writes + k] * g[i], fc1 = pi[modes + writes + k] * g[n + i];
        float fc2 = pi[2 * modes + writes + k] * g[2 * n + i], fc3 = pi[3 * modes + writes + k] * g[3 * n + i];
        float bc0 = pi[k] * w[i], bc1 = pi[modes + k] * w[n + i], bc2 = pi[2 * modes + k] * w[2 * n + i], bc3 = pi[3 * modes + k] * w[3 * n + i];
        float dwBefore0 = 0f, dwBefore1 = 0f, dwBefore2 = 0f, dwBefore3 = 0f;
        if (wantReads) (dwBefore0, dwBefore1, dwBefore2, dwBefore3) = (dw[i], dw[n + i], dw[2 * n + i], dw[3 * n + i]);
        float dotG0 = 0f, dotG1 = 0f, dotG2 = 0f, dotG3 = 0f, dotW0 = 0f, dotW1 = 0f, dotW2 = 0f, dotW3 = 0f;
        int j = 0;
        if (n >= T.Count)
        {
            // Unchecked loads and stores: every span was checked above.
            ref float rowRef = ref MemoryMarshal.GetReference(row), wRef = ref MemoryMarshal.GetReference(w), gRef = ref MemoryMarshal.GetReference(g);
            ref float dwRef = ref MemoryMarshal.GetReference(dw), inRef = ref MemoryMarshal.GetReference(dlIn), outRef = ref MemoryMarshal.GetReference(dlOut);
            nuint n1 = (nuint)n, n2 = 2 * n1, n3 = 3 * n1;
            T f0 = T.Broadcast(fc0), f1 = T.Broadcast(fc1), f2 = T.Broadcast(fc2), f3 = T.Broadcast(fc3);
            T b0 = T.Broadcast(bc0), b1 = T.Broadcast(bc1), b2 = T.Broadcast(bc2), b3 = T.Broadcast(bc3);
            T accG0 = T.Zero, accG1 = T.Zero, accG2 = T.Zero, accG3 = T.Zero, accW0 = T.Zero, accW1 = T.Zero, accW2 = T.Zero, accW3 = T.Zero;
            for (; j <= n - T.Count; j += T.Count)
            {
                nuint u = (nuint)j;
                var rowV = T.Load(ref rowRef, u);
                var dl = fromZero ? T.Zero : T.Load(ref inRef, u);
                dl = HeadBackward(rowV, dl, ref wRef, ref gRef, ref dwRef, u, f0, b0, wantReads, ref accG0, ref accW0);
                dl = HeadBackward(rowV, dl, ref wRef, ref gRef, ref dwRef, n1 + u, f1, b1, wantReads, ref accG1, ref accW1);
                dl = HeadBackward(rowV, dl, ref wRef, ref gRef, ref dwRef, n2 + u, f2, b2, wantReads, ref accG2, ref accW2);
                HeadBackward(rowV, dl, ref wRef, ref gRef, ref dwRef, n3 + u, f3, b3, wantReads, ref accG3, ref accW3).Store(ref outRef, u);
            }
            var (dotsG, dotsW) = (T.Sum4(accG0, accG1, accG2, accG3), T.Sum4(accW0, accW1, accW2, accW3));
            (dotG0, dotG1, dotG2, dotG3) = (dotsG[0], dotsG[1], dotsG[2], dotsG[3]);
            (dotW0, dotW1, dotW2, dotW3) = (dotsW[0], dotsW[1], dotsW[2], dotsW[3]);
        }
        for (; j < n; j++)
        {
            float rowJ = row[j], dl = fromZero ? 0f : dlIn[j];
            dotG0 += rowJ * g[j];
            dotW0 += rowJ * w[j];
            if (wantReads) dw[j] = rowJ * fc0 + dw[j];
            dl = (dl + w[j] * fc0) + g[j] * bc0;
            dotG1 += rowJ * g[n + j];
            dotW1 += rowJ * w[n + j];
            if (wantReads) dw[n + j] = rowJ * fc1 + dw[n + j];
            dl = (dl + w[n + j] * fc1) + g[n + j] * bc1;
            dotG2 += rowJ * g[2 * n + j];
            dotW2 += rowJ * w[2 * n + j];
            if (wantReads) dw[2 * n + j] = rowJ * fc2 + dw[2 * n + j];
            dl = (dl + w[2 * n + j] * fc2) + g[2 * n + j] * bc2;
            dotG3 += rowJ * g[3 * n + j];
            dotW3 += rowJ * w[3 * n + j];
            if (wantReads) dw[3 * n + j] = rowJ * fc3 + dw[3 * n + j];
            dlOut[j] = (dl + w[3 * n + j] * fc3) + g[3 * n + j] * bc3;
        }
        FinishHead(0, k, i, row[i], w, g, pi, dw, dpi, fc0, dwBefore0, dotG0, dotW0, writes);
        FinishHead(1, k, i, row[i], w, g, pi, dw, dpi, fc1, dwBefore1, dotG1, dotW1, writes);
        FinishHead(2, k, i, row[i], w, g, pi, dw, dpi, fc2, dwBefore2, dotG2, dotW2, writes);
        FinishHead(3, k, i, row[i], w, g, pi, dw, dpi, fc3, dwBefore3, dotG3, dotW3, writes);
    }

    /// <summary>
    /// One head's share of one vector of the row in <see cref="ReadsBackwardRow4"/>, at <paramref name="at"/> (the head's
    /// offset in w, g and dw plus the vector's): accumulates row·g and row·w, adds row·f to dw (if wanted) and returns the
    /// link-gradient vector (dl + w·f) + g·b.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T HeadBackward<T>(T row, T dl, ref float wRef, ref float gRef, ref float dwRef, nuint at,
        T forward, T backward, bool wantReads, ref T accG, ref T accW) where T : struct, ILanes<T>
    {
        var wV = T.Load(ref wRef, at);
        var gV = T.Load(ref gRef, at);
        accG += row * gV;
        accW += row * wV;
        if (wantReads) (row * forward + T.Load(ref dwRef, at)).Store(ref dwRef, at);
        return (dl + wV * forward) + gV * backward;
    }

    /// <summary>Head h's terms that wait for the row's dot products: dπ (forward and backward mode) and dw[h, i].</summary>
    private static void FinishHead(int h, int k, int i, float rowI, ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> pi,
        Span<float> dw, Span<float> dpi, float forwardCoefficient, float dwBefore, float rowDotG, float rowDotW, int writes)
    {
        int n = w.Length / 4, modes = 2 * writes + 1;
        if (!dpi.IsEmpty)
        {
            dpi[h * modes + writes + k] += g[h * n + i] * rowDotW;
            dpi[h * modes + k] += w[h * n + i] * rowDotG;
        }
        // b_j's gradient reaches w_i through row i; added before row i's own term, as the unfused order does.
        if (!dw.IsEmpty) dw[h * n + i] = rowI * forwardCoefficient + (dwBefore + pi[h * modes + k] * rowDotG);
    }
}
