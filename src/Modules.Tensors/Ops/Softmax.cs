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
        var result = Uninitialized(t.shape);
        if (result.Size == 0) return result;
        var x = t.Values; var y = result.Data;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) FloatMath.Softmax(x.Slice(o * len, len), y.Slice(o * len, len));
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
                    FloatMath.Exp(dst, dst);
                    TensorPrimitives.Add(sum, dst, sum);
                }
                for (int l = 0; l < len; l++)
                {
                    var dst = y.Slice(block + l * inner, inner);
                    TensorPrimitives.Divide(dst, sum, dst);
                }
            }
        }
        return Records(t) ? RecordSoftmax(result, t, outer, len, inner) : result;
    }

    private static Tensor RecordSoftmax(Tensor result, Tensor t, int outer, int len, int inner) =>
        result.WithGrad("Softmax", t, (result, outer, len, inner), static (s, dx, acc) =>
            SoftmaxBackward(s.State.result.Values, s.Grad.Values, dx, s.State.outer, s.State.len, s.State.inner, acc));

    /// <inheritdoc cref="Softmax(Tensor, int)"/>
    public Tensor Softmax(int axis = -1) => Softmax(this, axis);

    /// <summary>dx (+)= y ⊙ (g − Σ_axis g ⊙ y), lane by lane.</summary>
    private static void SoftmaxBackward(ReadOnlySpan<float> yv, ReadOnlySpan<float> gv, Span<float> d, int outer, int len, int inner, bool accumulate)
    {
        if (inner == 1)
        {
            // Softmax over the innermost axis: each lane is one contiguous run.
            for (int o = 0; o < outer; o++)
            {
                int block = o * len;
                var y = yv.Slice(block, len); var g = gv.Slice(block, len); var lane = d.Slice(block, len);
                if (!accumulate) FloatMath.SoftmaxBackward(y, g, lane);
                else
                {
                    float dot = TensorPrimitives.Dot(y, g);
                    for (int i = 0; i < len; i++) lane[i] += (g[i] - dot) * y[i];
                }
            }
            return;
        }
        var dots = new float[inner];
        for (int o = 0; o < outer; o++)
        {
            int block = o * len * inner;
            Array.Clear(dots);
            for (int l = 0; l < len; l++)
                TensorPrimitives.FusedMultiplyAdd(yv.Slice(block + l * inner, inner), gv.Slice(block + l * inner, inner), dots, dots);
            for (int l = 0; l < len; l++)
            {
                var y = yv.Slice(block + l * inner, inner); var g = gv.Slice(block + l * inner, inner); var row = d.Slice(block + l * inner, inner);
                if (accumulate) for (int i = 0; i < inner; i++) row[i] += (g[i] - dots[i]) * y[i];
                else
                {
                    TensorPrimitives.Subtract(g, dots, row);
                    TensorPrimitives.Multiply(row, y, row);
                }
            }
        }
    }
}
