using System.Numerics.Tensors;

namespace Modules.Tensors;

/// <summary>
/// Applies a binary kernel under NumPy broadcasting, and sums gradients back down to a broadcast input's shape.
/// The layouts tiny models use all the time take a fast path without index bookkeeping: equal shapes, a one-element
/// operand, a trailing-row operand ([n] against [..., n], e.g. a bias) and a column operand ([..., m, 1] against
/// [..., m, n], e.g. a per-head strength). Anything else walks the result one innermost run at a time.
/// </summary>
internal static class Broadcasting
{
    /// <summary>How one operand lines up with the result's shape.</summary>
    private enum Layout
    {
        /// <summary>Needs the general odometer walk.</summary>
        General,
        /// <summary>Same elements in the same order as the result.</summary>
        Same,
        /// <summary>One element, repeated everywhere.</summary>
        Scalar,
        /// <summary>The result's trailing dims: repeated once per result row of its size.</summary>
        Row,
        /// <summary>The result's shape with the last dim 1: one value per innermost result run.</summary>
        Column,
    }

    /// <summary>How an operand of shape <paramref name="shape"/> repeats within a result of shape <paramref name="full"/>.</summary>
    private static Layout Classify(ReadOnlySpan<int> shape, ReadOnlySpan<int> full)
    {
        if (shape.SequenceEqual(full)) return Layout.Same;
        int lead = 0;
        while (lead < shape.Length && shape[lead] == 1) lead++; // leading 1s do not change the layout
        var core = shape[lead..];
        if (core.Length == 0) return Layout.Scalar;
        if (core.Length <= full.Length && core.SequenceEqual(full[(full.Length - core.Length)..])) return Layout.Row;
        if (shape.Length == full.Length && shape[^1] == 1 && full[^1] != 1 && shape[..^1].SequenceEqual(full[..^1])) return Layout.Column;
        return Layout.General;
    }

    /// <summary>The broadcast result of <typeparamref name="TKernel"/> on <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static Tensor Apply<TKernel>(string op, Tensor a, Tensor b) where TKernel : IBinaryKernel
    {
        if (a.Shape.SequenceEqual(b.Shape))
        {
            var same = Tensor.Uninitialized(a.ShapeRef);
            TKernel.Run(a.Values, b.Values, same.Data);
            return same;
        }
        var shape = a.Rank >= b.Rank && Fits(b.Shape, a.Shape) ? a.ShapeRef
                  : b.Rank >= a.Rank && Fits(a.Shape, b.Shape) ? b.ShapeRef
                  : ShapeUtil.Broadcast(op, a.Shape, b.Shape);
        var result = Tensor.Uninitialized(shape);
        ApplyInto<TKernel>(a, b, result.Data, shape);
        return result;
    }

    /// <summary>Whether <paramref name="small"/> broadcasts to exactly <paramref name="big"/> (no dim of big grows).</summary>
    private static bool Fits(ReadOnlySpan<int> small, ReadOnlySpan<int> big)
    {
        int lead = big.Length - small.Length;
        for (int i = 0; i < small.Length; i++)
            if (small[i] != 1 && small[i] != big[lead + i]) return false;
        return true;
    }

    /// <summary>Writes the broadcast result of the kernel into <paramref name="d"/>, which has the broadcast shape <paramref name="shape"/>.</summary>
    public static void ApplyInto<TKernel>(Tensor a, Tensor b, Span<float> d, int[] shape) where TKernel : IBinaryKernel
    {
        if (d.Length == 0) return;
        var x = a.Values; var y = b.Values;
        var la = Classify(a.Shape, shape);
        var lb = Classify(b.Shape, shape);
        if (la == Layout.Same)
        {
            switch (lb)
            {
                case Layout.Same: TKernel.Run(x, y, d); return;
                case Layout.Scalar: TKernel.Run(x, y[0], d); return;
                case Layout.Row:
                    for (int start = 0; start < d.Length; start += y.Length)
                        TKernel.Run(x.Slice(start, y.Length), y, d.Slice(start, y.Length));
                    return;
                case Layout.Column:
                    int run = shape[^1];
                    for (int r = 0, start = 0; r < y.Length; r++, start += run)
                        TKernel.Run(x.Slice(start, run), y[r], d.Slice(start, run));
                    return;
            }
        }
        else if (lb == Layout.Same)
        {
            switch (la)
            {
                case Layout.Scalar: TKernel.Run(x[0], y, d); return;
                case Layout.Row:
                    for (int start = 0; start < d.Length; start += x.Length)
                        TKernel.Run(x, y.Slice(start, x.Length), d.Slice(start, x.Length));
                    return;
                case Layout.Column:
                    int run = shape[^1];
                    for (int r = 0, start = 0; r < x.Length; r++, start += run)
                        TKernel.Run(x[r], y.Slice(start, run), d.Slice(start, run));
                    return;
            }
        }
        General<TKernel>(a, b, d, shape);
    }

    /// <summary>The odometer walk over the result, one innermost run at a time.</summary>
    private static void General<TKernel>(Tensor a, Tensor b, Span<float> d, int[] shape) where TKernel : IBinaryKernel
    {
        var sa = ShapeUtil.BroadcastStrides(a.Shape, shape);
        var sb = ShapeUtil.BroadcastStrides(b.Shape, shape);
        int rank = shape.Length;
        int run = rank == 0 ? 1 : shape[rank - 1];
        int runStrideA = rank == 0 ? 0 : sa[rank - 1], runStrideB = rank == 0 ? 0 : sb[rank - 1];
        var x = a.Values; var y = b.Values;
        Span<int> index = stackalloc int[Math.Max(rank - 1, 0)];
        int offA = 0, offB = 0;
        for (int start = 0; start < d.Length; start += run)
        {
            var dst = d.Slice(start, run);
            if (runStrideA != 0 && runStrideB != 0) TKernel.Run(x.Slice(offA, run), y.Slice(offB, run), dst);
            else if (runStrideA != 0) TKernel.Run(x.Slice(offA, run), y[offB], dst);
            else if (runStrideB != 0) TKernel.Run(x[offA], y.Slice(offB, run), dst);
            else dst.Fill(TKernel.Run(x[offA], y[offB]));
            // Advance the outer multi-index like an odometer, tracking both input offsets.
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                offA += sa[axis]; offB += sb[axis];
                if (++index[axis] < shape[axis]) break;
                offA -= sa[axis] * shape[axis]; offB -= sb[axis] * shape[axis];
                index[axis] = 0;
            }
        }
    }

    /// <summary>Sums <paramref name="grad"/> down to <paramref name="shape"/>, undoing a broadcast (returns grad itself when no sum is needed).</summary>
    public static Tensor SumTo(Tensor grad, ReadOnlySpan<int> shape)
    {
        if (grad.Shape.SequenceEqual(shape)) return grad;
        var result = Tensor.Uninitialized(shape.ToArray());
        SumInto(grad.Values, grad.ShapeRef, result.Data, shape, 1f, false);
        return result;
    }

    /// <summary>
    /// target (+)= sign · (<paramref name="g"/> summed down to <paramref name="shape"/>): overwrites when
    /// <paramref name="accumulate"/> is false, adds otherwise. <paramref name="gShape"/> is what shape broadcasts to.
    /// </summary>
    public static void SumInto(ReadOnlySpan<float> g, int[] gShape, Span<float> target, ReadOnlySpan<int> shape, float sign, bool accumulate)
    {
        switch (Classify(shape, gShape))
        {
            case Layout.Same:
                if (accumulate) AddScaled(g, sign, target);
                else if (sign == 1f) g.CopyTo(target);
                else TensorPrimitives.Multiply(g, sign, target);
                return;
            case Layout.Scalar:
                float total = sign * TensorPrimitives.Sum(g);
                target[0] = accumulate ? target[0] + total : total;
                return;
            case Layout.Row:
            {
                int run = target.Length;
                int start = 0;
                if (!accumulate)
                {
                    if (g.Length == 0) { target.Clear(); return; }
                    if (sign == 1f) g[..run].CopyTo(target); else TensorPrimitives.Multiply(g[..run], sign, target);
                    start = run;
                }
                for (; start < g.Length; start += run) AddScaled(g.Slice(start, run), sign, target);
                return;
            }
            case Layout.Column:
            {
                int run = gShape[^1];
                for (int r = 0, start = 0; r < target.Length; r++, start += run)
                {
                    float s = sign * TensorPrimitives.Sum(g.Slice(start, run));
                    target[r] = accumulate ? target[r] + s : s;
                }
                return;
            }
        }
        if (!accumulate) target.Clear();
        SumGeneral(g, gShape, target, shape, sign);
    }

    /// <summary>target += sign · source.</summary>
    private static void AddScaled(ReadOnlySpan<float> source, float sign, Span<float> target)
    {
        if (sign == 1f) TensorPrimitives.Add(target, source, target);
        else if (sign == -1f) TensorPrimitives.Subtract(target, source, target);
        else TensorPrimitives.MultiplyAdd(source, sign, target, target);
    }

    private static void SumGeneral(ReadOnlySpan<float> g, int[] full, Span<float> r, ReadOnlySpan<int> shape, float sign)
    {
        var st = ShapeUtil.BroadcastStrides(shape, full);
        int rank = full.Length;
        int run = rank == 0 ? 1 : full[rank - 1];
        int runStride = rank == 0 ? 0 : st[rank - 1];
        var index = new int[Math.Max(rank - 1, 0)];
        int off = 0;
        for (int start = 0; start < g.Length; start += run)
        {
            var src = g.Slice(start, run);
            if (runStride != 0) AddScaled(src, sign, r.Slice(off, run));
            else r[off] += sign * TensorPrimitives.Sum(src);
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                off += st[axis];
                if (++index[axis] < full[axis]) break;
                off -= st[axis] * full[axis];
                index[axis] = 0;
            }
        }
    }
}
