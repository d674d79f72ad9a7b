namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The largest element over <paramref name="axis"/>; the axis is kept with size 1 when <paramref name="keepDim"/>.
    /// The gradient flows only to the first position holding the maximum (the lowest index along the axis).
    /// </summary>
    /// <exception cref="ArgumentException">The axis has length 0.</exception>
    public Tensor Max(int axis, bool keepDim = false)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Max");
        var (outer, len, inner) = Split3(ax);
        if (len == 0) throw new ArgumentException($"Max: axis {axis} of shape {ShapeUtil.Format(shape)} is empty");
        var kept = shape.AsSpan().ToArray();
        kept[ax] = 1;
        var result = Uninitialized(kept);
        var argmax = new int[outer * inner];
        var x = Values; var r = result.Data;
        for (int o = 0; o < outer; o++)
        {
            int block = o * len * inner;
            for (int i = 0; i < inner; i++)
            {
                int best = 0; float bestValue = x[block + i];
                for (int l = 1; l < len; l++)
                {
                    float v = x[block + l * inner + i];
                    if (v > bestValue) { bestValue = v; best = l; }
                }
                r[o * inner + i] = bestValue;
                argmax[o * inner + i] = best;
            }
        }
        if (Records(this)) RecordMax(result, this, argmax, outer, len, inner);
        return keepDim ? result : result.View(DropAxis(shape, ax));
    }

    /// <summary>The backward of <see cref="Max(int, bool)"/>: each lane's gradient goes to its first maximum.</summary>
    private static void RecordMax(Tensor result, Tensor source, int[] argmax, int outer, int len, int inner) =>
        result.WithGrad("Max", source, (argmax, outer, len, inner), static (s, d, acc) =>
        {
            if (!acc) d.Clear();
            var gv = s.Grad.Values;
            var (argmax, outer, len, inner) = s.State;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    d[(o * len + argmax[o * inner + i]) * inner + i] += gv[o * inner + i];
        });

    /// <summary>The largest element of the whole tensor, as a rank-0 tensor (gradient to its first occurrence).</summary>
    public Tensor Max() => Reshape(Size).Max(0);

    /// <summary>
    /// The product over <paramref name="axis"/>; the axis is kept with size 1 when <paramref name="keepDim"/>.
    /// The gradient Π_{j≠i} x_j is formed from prefix and suffix products, so it stays exact when inputs are zero.
    /// </summary>
    public Tensor Prod(int axis, bool keepDim = false)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Prod");
        var (outer, len, inner) = Split3(ax);
        var kept = shape.AsSpan().ToArray();
        kept[ax] = 1;
        var result = Uninitialized(kept);
        var x = Values; var r = result.Data;
        r.Fill(1f);
        if (inner == 1)
        {
            // Over the innermost axis: one running product per output element, not len one-element vector products.
            for (int o = 0; o < outer; o++)
            {
                float product = 1f;
                for (int l = 0; l < len; l++) product *= x[o * len + l];
                r[o] = product;
            }
        }
        else for (int o = 0; o < outer; o++)
        {
            var dst = r.Slice(o * inner, inner);
            for (int l = 0; l < len; l++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(dst, x.Slice((o * len + l) * inner, inner), dst);
        }
        var source = this;
        result.WithGrad("Prod", source, g =>
        {
            var dx = Empty(source.shape);
            var xv = source.Values; var gv = g.Values; var d = dx.Data;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int lane = o * len * inner + i;
                    // d[l] = prefix(l) · suffix(l): first the products before l, then multiply in those after l.
                    float running = gv[o * inner + i];
                    for (int l = 0; l < len; l++) { d[lane + l * inner] = running; running *= xv[lane + l * inner]; }
                    running = 1f;
                    for (int l = len - 1; l >= 0; l--) { d[lane + l * inner] *= running; running *= xv[lane + l * inner]; }
                }
            source.AccumulateGrad(dx);
        });
        return keepDim ? result : result.View(DropAxis(shape, ax));
    }
}
