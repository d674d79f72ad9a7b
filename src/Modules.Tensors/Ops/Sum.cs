using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>The sum of all elements, as a rank-0 tensor.</summary>
    public Tensor Sum()
    {
        var result = ScalarResult(TensorPrimitives.Sum(Values));
        return Records(this) ? RecordSumAll(result, this) : result;
    }

    private static Tensor RecordSumAll(Tensor result, Tensor source) =>
        result.WithGrad("Sum", source, default(ValueTuple), static (s, t, acc) =>
        {
            float value = s.Grad.Item();
            if (acc) TensorPrimitives.Add(t, value, t);
            else t.Fill(value);
        });

    /// <summary>The sum over <paramref name="axis"/>; the axis is kept with size 1 when <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int axis, bool keepDim = false)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Sum");
        var (outer, len, inner) = Split3(ax);
        Span<int> kept = Rank <= 8 ? stackalloc int[Rank] : new int[Rank];
        shape.CopyTo(kept);
        kept[ax] = 1;
        var result = Uninitialized(ShapeUtil.Shared(kept));
        var x = Values; var r = result.Data;
        if (len == 0) r.Clear();
        else if (inner == 1)
        {
            // Over the innermost axis: one running sum per output element (in the same order as the rows below),
            // not len one-element vector adds.
            for (int o = 0; o < outer; o++)
            {
                var lane = x.Slice(o * len, len);
                float total = lane[0];
                for (int l = 1; l < lane.Length; l++) total += lane[l];
                r[o] = total;
            }
        }
        else for (int o = 0; o < outer; o++)
        {
            var dst = r.Slice(o * inner, inner);
            x.Slice(o * len * inner, inner).CopyTo(dst);
            for (int l = 1; l < len; l++)
                TensorPrimitives.Add(dst, x.Slice((o * len + l) * inner, inner), dst);
        }
        if (Records(this)) RecordSumAxis(result, this, outer, len, inner);
        return keepDim ? result : result.View(DropAxis(shape, ax));
    }

    /// <summary>The backward of a sum over an axis: the gradient row repeats along the summed axis.</summary>
    private static void RecordSumAxis(Tensor result, Tensor source, int outer, int len, int inner) =>
        result.WithGrad("Sum", source, (outer, len, inner), static (s, t, acc) =>
        {
            var gv = s.Grad.Values;
            var (outer, len, inner) = s.State;
            if (inner == 1)
            {
                for (int o = 0; o < outer; o++)
                {
                    var lane = t.Slice(o * len, len);
                    if (acc) TensorPrimitives.Add(lane, gv[o], lane);
                    else lane.Fill(gv[o]);
                }
                return;
            }
            for (int o = 0; o < outer; o++)
            {
                var row = gv.Slice(o * inner, inner);
                for (int l = 0; l < len; l++)
                {
                    var dst = t.Slice((o * len + l) * inner, inner);
                    if (acc) TensorPrimitives.Add(dst, row, dst);
                    else row.CopyTo(dst);
                }
            }
        });

    /// <summary>The mean of all elements, as a rank-0 tensor.</summary>
    public Tensor Mean() => Scale(Sum(), 1f / Size);

    /// <summary>The mean over <paramref name="axis"/>.</summary>
    public Tensor Mean(int axis, bool keepDim = false) => Scale(Sum(axis, keepDim), 1f / Dim(axis));

    /// <summary>Views the shape as [outer, shape[axis], inner].</summary>
    internal (int Outer, int Length, int Inner) Split3(int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    internal static int[] DropAxis(int[] shape, int axis)
    {
        Span<int> result = shape.Length <= 9 ? stackalloc int[shape.Length - 1] : new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++) if (i != axis) result[j++] = shape[i];
        return ShapeUtil.Shared(result);
    }
}
