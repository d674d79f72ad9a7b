namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Exclusive cumulative product along <paramref name="axis"/>: out[0] = 1, out[i] = x[0]·…·x[i−1].
    /// Same shape as the input. The gradient is computed without division, so it is exact when inputs are zero.
    /// </summary>
    public static Tensor ExclusiveCumprod(Tensor t, int axis)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, t.Rank, "ExclusiveCumprod");
        var (outer, len, inner) = t.Split3(ax);
        var result = Uninitialized(t.shape);
        var x = t.Values; var y = result.Data;
        for (int o = 0; o < outer; o++)
        {
            int block = o * len * inner;
            if (len == 0) continue;
            if (inner == 1)
            {
                // Over the innermost axis: a scalar running product, not len one-element vector products.
                float running = 1f;
                for (int l = 0; l < len; l++) { y[block + l] = running; running *= x[block + l]; }
                continue;
            }
            y.Slice(block, inner).Fill(1f);
            for (int l = 1; l < len; l++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(
                    y.Slice(block + (l - 1) * inner, inner), x.Slice(block + (l - 1) * inner, inner), y.Slice(block + l * inner, inner));
        }
        return result.WithGrad("ExclusiveCumprod", t, g =>
        {
            // dL/dx_k = out_k · S_k with S_k = Σ_{i>k} g_i Π_{k<j<i} x_j, i.e. S_{n−1} = 0, S_k = g_{k+1} + x_{k+1}·S_{k+1}.
            var dx = Uninitialized(t.shape);
            var xv = t.Values; var yv = result.Values; var gv = g.Values; var d = dx.Data;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int lane = o * len * inner + i;
                    float s = 0f;
                    for (int k = len - 1; k >= 0; k--)
                    {
                        if (k < len - 1) s = gv[lane + (k + 1) * inner] + xv[lane + (k + 1) * inner] * s;
                        d[lane + k * inner] = yv[lane + k * inner] * s;
                    }
                }
            t.AccumulateGrad(dx);
        });
    }

    /// <inheritdoc cref="ExclusiveCumprod(Tensor, int)"/>
    public Tensor ExclusiveCumprod(int axis) => ExclusiveCumprod(this, axis);
}
