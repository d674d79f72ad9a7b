using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Softmax over <paramref name="axis"/>: exp(x − max) / Σ exp(x − max), so large inputs do not overflow.
    /// Returns a tensor of the input's shape whose slices along the axis sum to 1.
    /// </summary>
    public static Tensor Softmax(Tensor t, int axis = -1)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, t.Rank, "Softmax");
        var (outer, len, inner) = t.Split3(ax);
        var result = Empty(t.ShapeArray());
        if (result.Size == 0) return result;
        var x = t.Values; var y = result.Data;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var src = x.Slice(o * len, len); var dst = y.Slice(o * len, len);
                TensorPrimitives.Subtract(src, TensorPrimitives.Max(src), dst);
                TensorPrimitives.Exp(dst, dst);
                TensorPrimitives.Divide(dst, TensorPrimitives.Sum(dst), dst);
            }
        }
        else
        {
            // The axis is not innermost: work on whole rows of length `inner` at a time, so every step stays vectorised.
            var max = new float[inner]; var sum = new float[inner];
            for (int o = 0; o < outer; o++)
            {
                int block = o * len * inner;
                x.Slice(block, inner).CopyTo(max);
                for (int l = 1; l < len; l++) TensorPrimitives.Max(max, x.Slice(block + l * inner, inner), max);
                Array.Clear(sum);
                for (int l = 0; l < len; l++)
                {
                    var dst = y.Slice(block + l * inner, inner);
                    TensorPrimitives.Subtract(x.Slice(block + l * inner, inner), max, dst);
                    TensorPrimitives.Exp(dst, dst);
                    TensorPrimitives.Add(sum, dst, sum);
                }
                for (int l = 0; l < len; l++)
                {
                    var dst = y.Slice(block + l * inner, inner);
                    TensorPrimitives.Divide(dst, sum, dst);
                }
            }
        }
        return result.WithGrad("Softmax", t, g => t.AccumulateGrad(SoftmaxBackward(result, g, outer, len, inner)));
    }

    /// <inheritdoc cref="Softmax(Tensor, int)"/>
    public Tensor Softmax(int axis = -1) => Softmax(this, axis);

    /// <summary>dx = y ⊙ (g − Σ_axis g ⊙ y), lane by lane.</summary>
    private static Tensor SoftmaxBackward(Tensor y, Tensor g, int outer, int len, int inner)
    {
        var dx = Empty(y.ShapeArray());
        var yv = y.Values; var gv = g.Values; var d = dx.Data;
        var dot = new float[inner];
        for (int o = 0; o < outer; o++)
        {
            int block = o * len * inner;
            if (inner == 1)
            {
                // Softmax over the innermost axis: each lane is one contiguous run.
                var lane = d.Slice(block, len);
                TensorPrimitives.Subtract(gv.Slice(block, len), TensorPrimitives.Dot(yv.Slice(block, len), gv.Slice(block, len)), lane);
                TensorPrimitives.Multiply(lane, yv.Slice(block, len), lane);
                continue;
            }
            Array.Clear(dot);
            for (int l = 0; l < len; l++)
                TensorPrimitives.FusedMultiplyAdd(yv.Slice(block + l * inner, inner), gv.Slice(block + l * inner, inner), dot, dot);
            for (int l = 0; l < len; l++)
            {
                var row = d.Slice(block + l * inner, inner);
                TensorPrimitives.Subtract(gv.Slice(block + l * inner, inner), dot, row);
                TensorPrimitives.Multiply(row, yv.Slice(block + l * inner, inner), row);
            }
        }
        return dx;
    }
}
