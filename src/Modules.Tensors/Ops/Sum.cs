using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>The sum of all elements, as a rank-0 tensor.</summary>
    public Tensor Sum()
    {
        var source = this;
        return Scalar(TensorPrimitives.Sum(Values)).WithGrad("Sum", source, g => source.AccumulateGrad(Full(source.shape, g.Item())));
    }

    /// <summary>The sum over <paramref name="axis"/>; the axis is kept with size 1 when <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int axis, bool keepDim = false)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Sum");
        var (outer, len, inner) = Split3(ax);
        var kept = (int[])shape.Clone();
        kept[ax] = 1;
        var result = Zeros(kept);
        var x = Values; var r = result.Data;
        for (int o = 0; o < outer; o++)
        {
            var dst = r.Slice(o * inner, inner);
            for (int l = 0; l < len; l++)
                TensorPrimitives.Add(dst, x.Slice((o * len + l) * inner, inner), dst);
        }
        var source = this;
        result.WithGrad("Sum", source, g => source.AccumulateGrad(Broadcasting.Apply<AddKernel>("Sum", g, Zeros(source.shape))));
        return keepDim ? result : result.Reshape(DropAxis(shape, ax));
    }

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
        var result = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++) if (i != axis) result[j++] = shape[i];
        return result;
    }
}
