using System.Runtime.InteropServices;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// The temporal linkage update as one fused op with two outputs:
/// L[i, j] ← (1 − w[i] − w[j])·L[i, j] + w[i]·p[j] with L[i, i] = 0, and p ← (1 − Σ_N w)·p + w, per batch entry and
/// write head. Forward and backward each make one pass over the link; the only link-sized arrays are the new link and,
/// in backward, the gradient of the previous link.
/// </summary>
internal static class LinkUpdate
{
    private const string Op = "LinkUpdate";

    /// <summary>Computes the new link and precedence weights.</summary>
    /// <param name="previousLink">L_{t−1}, [B, W, N, N].</param>
    /// <param name="previousPrecedence">p_{t−1}, [B, W, N].</param>
    /// <param name="writeWeights">w_t, [B, W, N].</param>
    /// <returns>L_t [B, W, N, N] (zero diagonal) and p_t [B, W, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not agree.</exception>
    public static (Tensor Link, Tensor Precedence) Apply(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights)
    {
        Validate(Op, previousLink, previousPrecedence, writeWeights);
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2);
        // Uncleared: ForwardRow writes every element of each row, ForwardPrecedence every element of the precedence.
        var link = Tensor.AllocateUninitialized(b, writes, n, n);
        var precedence = Tensor.AllocateUninitialized(b, writes, n);
        BatchParallel.For(b * writes, (long)n * n, (previousLink, previousPrecedence, writeWeights, link, precedence,
            n), static (state, s) =>
        {
            var (previousLink, previousPrecedence, writeWeights, link, precedence, n) = state;
            Forward(previousLink, previousPrecedence, writeWeights, link, precedence, s, n);
        });

        Tensor.Custom(Op, [link, precedence], [previousLink, previousPrecedence, writeWeights], default(ValueTuple),
            static (x, _, g) => Backward(x[0], x[1], x[2], g[0], g[1]));
        return (link, precedence);
    }

    /// <summary>Checks link [B, W, N, N], precedence [B, W, N] and write weights [B, W, N], naming <paramref name="op"/>.</summary>
    internal static void Validate(string op, Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights)
    {
        ArgumentNullException.ThrowIfNull(previousLink);
        ArgumentNullException.ThrowIfNull(previousPrecedence);
        ArgumentNullException.ThrowIfNull(writeWeights);
        if (writeWeights.Rank != 3)
            throw new ShapeMismatchException(op, "write weights", [-1, -1, -1], writeWeights.Shape, " ([B, W, N])");
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2);
        if (!previousPrecedence.Shape.SequenceEqual(writeWeights.Shape))
            throw new ShapeMismatchException(op, "previous precedence", writeWeights.Shape, previousPrecedence.Shape, " (the write weights' shape, [B, W, N])");
        if (!previousLink.Shape.SequenceEqual([b, writes, n, n]))
            throw new ShapeMismatchException(op, "previous link", [b, writes, n, n], previousLink.Shape, " ([B, W, N, N])");
    }

    private static void Forward(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights, Tensor link, Tensor precedence, int s, int n) =>
        ForwardSlice(previousLink.Values.Slice(s * n * n, n * n), previousPrecedence.Values.Slice(s * n, n), writeWeights.Values.Slice(s * n, n),
            link.Data.Slice(s * n * n, n * n), precedence.Data.Slice(s * n, n));

    /// <summary>One batch entry and write head: link l [N, N], precedence p [N], writes w [N] → new link and precedence.</summary>
    internal static void ForwardSlice(ReadOnlySpan<float> l, ReadOnlySpan<float> p, ReadOnlySpan<float> w, Span<float> outLink, Span<float> outPrecedence)
    {
        var path = Simd.Current;
        if (RowLanes.IsScalar(path)) ForwardSlice<Lanes1>(l, p, w, outLink, outPrecedence);
        else ForwardSlice<Lanes256>(l, p, w, outLink, outPrecedence);
    }

    private static void ForwardSlice<T>(ReadOnlySpan<float> l, ReadOnlySpan<float> p, ReadOnlySpan<float> w, Span<float> outLink, Span<float> outPrecedence)
        where T : struct, ILanes<T>
    {
        int n = w.Length;
        for (int i = 0; i < n; i++) ForwardRow<T>(i, l.Slice(i * n, n), p, w, outLink.Slice(i * n, n));
        ForwardPrecedence(p, w, outPrecedence);
    }

    /// <summary>Row i of the new link [N] from the previous link's row i, precedence p [N] and writes w [N], in lanes of <typeparamref name="T"/>.</summary>
    internal static void ForwardRow<T>(int i, ReadOnlySpan<float> row, ReadOnlySpan<float> p, ReadOnlySpan<float> w, Span<float> outRow)
        where T : struct, ILanes<T>
    {
        // Evaluated as ((1 − w_i) − w_j)·L + w_i·p_j, the unfused composition's order, so results match it bit for bit.
        int n = w.Length;
        if (row.Length != n || p.Length != n || outRow.Length != n)
            throw new ArgumentException($"LinkUpdate.ForwardRow: spans must be [N] = {n}, got row {row.Length}, p {p.Length}, output {outRow.Length}");
        float oneMinusWi = 1f - w[i], wi = w[i];
        int j = 0;
        ref float rowRef = ref MemoryMarshal.GetReference(row), pRef = ref MemoryMarshal.GetReference(p);
        ref float wRef = ref MemoryMarshal.GetReference(w), outRef = ref MemoryMarshal.GetReference(outRow);
        T vOne = T.Broadcast(oneMinusWi), vWi = T.Broadcast(wi);
        for (; j <= n - T.Count; j += T.Count)
        {
            nuint u = (nuint)j;
            ((vOne - T.Load(ref wRef, u)) * T.Load(ref rowRef, u) + vWi * T.Load(ref pRef, u)).Store(ref outRef, u);
        }
        for (; j < n; j++) outRow[j] = (oneMinusWi - w[j]) * row[j] + wi * p[j];
        outRow[i] = 0f;                                     // a cell is never linked to itself
    }

    /// <summary>The new precedence p' = (1 − Σ_N w)·p + w [N] of one batch entry and write head.</summary>
    internal static void ForwardPrecedence(ReadOnlySpan<float> p, ReadOnlySpan<float> w, Span<float> outPrecedence)
    {
        int n = w.Length;
        float writeSum = 0f;
        for (int j = 0; j < n; j++) writeSum += w[j];          // left to right, as Sum over the last axis
        float keep = 1f - writeSum;
        for (int j = 0; j < n; j++) outPrecedence[j] = keep * p[j] + w[j];
    }

    private static Tensor?[] Backward(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights, Tensor? linkGrad, Tensor? precedenceGrad)
    {
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2);
        // Uncleared: whenever dLink is wanted every row goes through BackwardRow, which writes all of it.
        var dLink = previousLink.RequiresGrad && linkGrad is not null ? Tensor.BackwardBufferUninitialized(previousLink.Shape) : null;
        var dPrecedence = previousPrecedence.RequiresGrad ? Tensor.BackwardBuffer(previousPrecedence.Shape) : null;
        var dWrites = writeWeights.RequiresGrad ? Tensor.BackwardBuffer(writeWeights.Shape) : null;
        if (linkGrad is not null || precedenceGrad is not null)
            BatchParallel.For(b * writes, (long)n * n, (previousPrecedence, n, writeWeights, dPrecedence, dWrites, linkGrad, previousLink,
                dLink, precedenceGrad), static (state, s) =>
            {
                var (previousPrecedence, n, writeWeights, dPrecedence, dWrites, linkGrad, previousLink, dLink, precedenceGrad) = state;
                var p = previousPrecedence.Values.Slice(s * n, n);
                var w = writeWeights.Values.Slice(s * n, n);
                var dp = AddressingMath.ItemSlice(dPrecedence, s, n);
                var dw = AddressingMath.ItemSlice(dWrites, s, n);
                if (linkGrad is not null)
                {
                    var l = previousLink.Values.Slice(s * n * n, n * n);
                    var g = linkGrad.Values.Slice(s * n * n, n * n);
                    var dl = AddressingMath.ItemSlice(dLink, s, n * n);
                    var path = Simd.Current;
                    for (int i = 0; i < n; i++)
                    {
                        var dlRow = dLink is null ? default : dl.Slice(i * n, n);
                        if (RowLanes.IsScalar(path)) BackwardRow<Lanes1>(i, g.Slice(i * n, n), l.Slice(i * n, n), p, w, dlRow, dp, dw);
                        else BackwardRow<Lanes256>(i, g.Slice(i * n, n), l.Slice(i * n, n), p, w, dlRow, dp, dw);
                    }
                }
                if (precedenceGrad is not null) BackwardPrecedence(precedenceGrad.Values.Slice(s * n, n), p, w, dp, dw);
            });
        return Tensor.GradientSlots(dLink, dPrecedence, dWrites);
    }

    /// <summary>
    /// Row i of the link's backward, in lanes of <typeparamref name="T"/>: given g = ∂/∂L_t[i, :], writes all of
    /// dL_{t−1}[i, :] into <paramref name="dl"/> and adds to dp and dw (one batch entry and write head, [N] each); an
    /// empty span is a gradient not wanted. Per cell j ≠ i: dL_ij = g_ij·(1 − w_i − w_j), dw_j −= g_ij·L_ij,
    /// dp_j += g_ij·w_i, and dw_i += Σ_j g_ij·(p_j − L_ij).
    /// </summary>
    internal static void BackwardRow<T>(int i, ReadOnlySpan<float> g, ReadOnlySpan<float> l, ReadOnlySpan<float> p, ReadOnlySpan<float> w,
        Span<float> dl, Span<float> dp, Span<float> dw) where T : struct, ILanes<T>
    {
        int n = w.Length;
        bool wantLink = !dl.IsEmpty, wantPrecedence = !dp.IsEmpty, wantWrites = !dw.IsEmpty;
        if (g.Length != n || l.Length != n || p.Length != n || (wantLink && dl.Length != n) || (wantPrecedence && dp.Length != n) || (wantWrites && dw.Length != n))
            throw new ArgumentException($"LinkUpdate.BackwardRow: spans must be [N] = {n}, got g {g.Length}, l {l.Length}, p {p.Length}, dl {dl.Length}, dp {dp.Length}, dw {dw.Length}");
        // The diagonal is constant 0, so its gradient goes nowhere: the whole row runs in vectors with g_ii masked to zero,
        // which makes every diagonal term exactly zero (L_ii, p_i and w_i are finite).
        float wi = w[i], oneMinusWi = 1f - wi, sum = 0f;
        int j = 0;
        ref float gRef = ref MemoryMarshal.GetReference(g), lRef = ref MemoryMarshal.GetReference(l), pRef = ref MemoryMarshal.GetReference(p);
        ref float wRef = ref MemoryMarshal.GetReference(w), dlRef = ref MemoryMarshal.GetReference(dl);
        ref float dpRef = ref MemoryMarshal.GetReference(dp), dwRef = ref MemoryMarshal.GetReference(dw);
        if (n >= T.Count)
        {
            T vOne = T.Broadcast(oneMinusWi), vWi = T.Broadcast(wi), acc = T.Zero;
            for (; j <= n - T.Count; j += T.Count)
            {
                nuint u = (nuint)j;
                var gv = T.Load(ref gRef, u);
                if ((uint)(i - j) < (uint)T.Count) gv = gv.WithZeroAt(i - j);
                var gl = gv * T.Load(ref lRef, u);
                if (wantLink) (gv * (vOne - T.Load(ref wRef, u))).Store(ref dlRef, u);
                acc += gv * T.Load(ref pRef, u) - gl;
                if (wantWrites) (T.Load(ref dwRef, u) - gl).Store(ref dwRef, u);
                if (wantPrecedence) (T.Load(ref dpRef, u) + gv * vWi).Store(ref dpRef, u);
            }
            sum = acc.Sum();
        }
        for (; j < n; j++)
        {
            if (j == i) continue;
            float gl = g[j] * l[j];
            if (wantLink) dl[j] = g[j] * (oneMinusWi - w[j]);
            sum += g[j] * p[j] - gl;
            if (wantWrites) dw[j] -= gl;
            if (wantPrecedence) dp[j] += g[j] * wi;
        }
        if (wantLink) dl[i] = 0f;                              // so dl may be uncleared storage: the row is written in full
        if (wantWrites) dw[i] += sum;
    }

    /// <summary>p' = (1 − Σw)·p + w: dp += (1 − Σw)·g, dw_k += g_k − Σ_m g_m·p_m (one batch entry and write head; empty: not wanted).</summary>
    internal static void BackwardPrecedence(ReadOnlySpan<float> gp, ReadOnlySpan<float> p, ReadOnlySpan<float> w, Span<float> dp, Span<float> dw)
    {
        int n = w.Length;
        float writeSum = 0f, gDotP = 0f;
        for (int j = 0; j < n; j++)
        {
            writeSum += w[j];
            gDotP += gp[j] * p[j];
        }
        float keep = 1f - writeSum;
        if (!dp.IsEmpty)
            for (int j = 0; j < n; j++) dp[j] += keep * gp[j];
        if (!dw.IsEmpty)
            for (int j = 0; j < n; j++) dw[j] += gp[j] - gDotP;
    }
}
