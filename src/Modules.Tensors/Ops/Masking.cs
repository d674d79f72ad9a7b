namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// A copy with the diagonal of the last two dims set to 0 (out[…, i, i] = 0), as for a DNC link matrix.
    /// Needs rank ≥ 2; the matrices need not be square. The gradient is zero on the diagonal and passes elsewhere.
    /// </summary>
    public static Tensor MaskDiagonal(Tensor t)
    {
        if (t.Rank < 2) throw new ArgumentException($"MaskDiagonal: needs rank ≥ 2, got shape {ShapeUtil.Format(t.shape)}");
        var result = t.Clone();
        ZeroDiagonal(result);
        return result.WithGrad("MaskDiagonal", t, g =>
        {
            var dx = g.Clone();
            ZeroDiagonal(dx);
            t.AccumulateGrad(dx);
        });
    }

    /// <inheritdoc cref="MaskDiagonal(Tensor)"/>
    public Tensor MaskDiagonal() => MaskDiagonal(this);

    private static void ZeroDiagonal(Tensor t)
    {
        int rows = t.shape[^2], cols = t.shape[^1], matrix = rows * cols, n = Math.Min(rows, cols);
        var d = t.Data;
        for (int start = 0; start < d.Length; start += matrix)
            for (int i = 0; i < n; i++) d[start + i * cols + i] = 0f;
    }

    /// <summary>
    /// Element-wise choice: <paramref name="a"/> where <paramref name="condition"/> is non-zero, else <paramref name="b"/>.
    /// All three broadcast together (NumPy rules) to the result's shape. The gradient goes to whichever input was chosen
    /// (summed back over broadcast dims); the condition gets none.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes cannot be broadcast together.</exception>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        const string op = "Where";
        var outShape = ShapeUtil.Broadcast(op, ShapeUtil.Broadcast(op, condition.Shape, a.Shape), b.Shape);
        var c = BroadcastValues(condition, outShape);
        var av = BroadcastValues(a, outShape);
        var bv = BroadcastValues(b, outShape);
        var result = Empty(outShape);
        var r = result.Data;
        for (int i = 0; i < r.Length; i++) r[i] = c[i] != 0f ? av[i] : bv[i];
        return result.WithGrad(op, [a, b], g =>
        {
            var gv = g.Values;
            if (a.RequiresGrad)
            {
                var da = Empty(outShape); var d = da.Data;
                for (int i = 0; i < d.Length; i++) d[i] = c[i] != 0f ? gv[i] : 0f;
                a.AccumulateGrad(Broadcasting.SumTo(da, a.Shape));
            }
            if (b.RequiresGrad)
            {
                var db = Empty(outShape); var d = db.Data;
                for (int i = 0; i < d.Length; i++) d[i] = c[i] != 0f ? 0f : gv[i];
                b.AccumulateGrad(Broadcasting.SumTo(db, b.Shape));
            }
        });
    }

    /// <summary>
    /// <see cref="Where(Tensor, Tensor, Tensor)"/> with a boolean mask in row-major order over the shape that
    /// <paramref name="a"/> and <paramref name="b"/> broadcast to.
    /// </summary>
    public static Tensor Where(bool[] condition, Tensor a, Tensor b)
    {
        var shape = ShapeUtil.Broadcast("Where", a.Shape, b.Shape);
        if (condition.Length != ShapeUtil.SizeOf(shape))
            throw new ArgumentException($"Where: {condition.Length} mask values for result shape {ShapeUtil.Format(shape)} ({ShapeUtil.SizeOf(shape)} elements)");
        var mask = Empty(shape);
        var m = mask.Data;
        for (int i = 0; i < m.Length; i++) m[i] = condition[i] ? 1f : 0f;
        return Where(mask, a, b);
    }

    /// <summary>The tensor's elements broadcast to <paramref name="shape"/>, without recording a gradient.</summary>
    internal static float[] BroadcastValues(Tensor t, int[] shape)
    {
        if (t.Shape.SequenceEqual(shape)) return t.ToArray();
        var values = new float[ShapeUtil.SizeOf(shape)];
        CopyStrided(t.Values, values, shape, ShapeUtil.BroadcastStrides(t.Shape, shape));
        return values;
    }
}
