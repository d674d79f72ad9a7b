using System.Numerics.Tensors;

namespace Modules.Tensors;

/// <summary>An element-wise binary kernel over runs: vector–vector, vector–scalar and scalar–vector.</summary>
internal interface IBinaryKernel
{
    static abstract void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);
    static abstract void Run(ReadOnlySpan<float> x, float y, Span<float> d);
    static abstract void Run(float x, ReadOnlySpan<float> y, Span<float> d);
    static abstract float Run(float x, float y);
}

internal readonly struct AddKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
    public static float Run(float x, float y) => x + y;
}

internal readonly struct SubtractKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static float Run(float x, float y) => x - y;
}

internal readonly struct MultiplyKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
    public static float Run(float x, float y) => x * y;
}

internal readonly struct DivideKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static float Run(float x, float y) => x / y;
}

/// <summary>Applies a binary kernel under NumPy broadcasting, one innermost-dimension run at a time.</summary>
internal static class Broadcasting
{
    public static Tensor Apply<TKernel>(string op, Tensor a, Tensor b) where TKernel : IBinaryKernel
    {
        if (a.Shape.SequenceEqual(b.Shape))
        {
            var same = Tensor.Empty(a.ShapeArray());
            TKernel.Run(a.Values, b.Values, same.Data);
            return same;
        }
        var shape = ShapeUtil.Broadcast(op, a.Shape, b.Shape);
        var result = Tensor.Empty(shape);
        if (result.Size == 0) return result;
        var sa = ShapeUtil.BroadcastStrides(a.Shape, shape);
        var sb = ShapeUtil.BroadcastStrides(b.Shape, shape);
        int rank = shape.Length;
        int run = rank == 0 ? 1 : shape[rank - 1];
        int runStrideA = rank == 0 ? 0 : sa[rank - 1], runStrideB = rank == 0 ? 0 : sb[rank - 1];
        var x = a.Values; var y = b.Values; var d = result.Data;
        var index = new int[Math.Max(rank - 1, 0)];
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
        return result;
    }

    /// <summary>Sums <paramref name="grad"/> down to <paramref name="shape"/>, undoing a broadcast.</summary>
    public static Tensor SumTo(Tensor grad, ReadOnlySpan<int> shape)
    {
        if (grad.Shape.SequenceEqual(shape)) return grad;
        var result = Tensor.Zeros(shape.ToArray());
        var full = grad.ShapeArray();
        var st = ShapeUtil.BroadcastStrides(shape, full);
        int rank = full.Length;
        int run = rank == 0 ? 1 : full[rank - 1];
        int runStride = rank == 0 ? 0 : st[rank - 1];
        var g = grad.Values; var r = result.Data;
        var index = new int[Math.Max(rank - 1, 0)];
        int off = 0;
        for (int start = 0; start < g.Length; start += run)
        {
            var src = g.Slice(start, run);
            if (runStride != 0) TensorPrimitives.Add(r.Slice(off, run), src, r.Slice(off, run));
            else r[off] += TensorPrimitives.Sum(src);
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                off += st[axis];
                if (++index[axis] < full[axis]) break;
                off -= st[axis] * full[axis];
                index[axis] = 0;
            }
        }
        return result;
    }
}
