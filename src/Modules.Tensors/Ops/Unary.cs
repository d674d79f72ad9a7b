using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>eˣ, element-wise.</summary>
    public static Tensor Exp(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Exp(x, d));
        return result.WithGrad("Exp", a, g => a.AccumulateGrad(Mul(g, result)));
    }

    /// <summary>Natural logarithm, element-wise.</summary>
    public static Tensor Log(Tensor a) =>
        Map(a, static (x, d) => TensorPrimitives.Log(x, d)).WithGrad("Log", a, g => a.AccumulateGrad(Div(g, a)));

    /// <summary>Square root, element-wise.</summary>
    public static Tensor Sqrt(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Sqrt(x, d));
        return result.WithGrad("Sqrt", a, g => a.AccumulateGrad(Div(Scale(g, 0.5f), result)));
    }

    /// <summary>xᵖ for a constant exponent, element-wise.</summary>
    public static Tensor Pow(Tensor a, float p) =>
        Map(a, (x, d) => TensorPrimitives.Pow(x, p, d))
            .WithGrad("Pow", a, g => a.AccumulateGrad(Mul(g, Scale(Pow(a, p - 1f), p))));

    /// <summary>x², element-wise.</summary>
    public static Tensor Square(Tensor a) =>
        Map(a, static (x, d) => TensorPrimitives.Multiply(x, x, d))
            .WithGrad("Square", a, g => a.AccumulateGrad(Mul(g, Scale(a, 2f))));

    /// <summary>The logistic function 1/(1+e⁻ˣ), element-wise.</summary>
    public static Tensor Sigmoid(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Sigmoid(x, d));
        return result.WithGrad("Sigmoid", a, g =>
        {
            var s = result.Values; var gv = g.Values;
            var da = Empty(a.ShapeArray()); var dd = da.Data;
            for (int i = 0; i < dd.Length; i++) dd[i] = gv[i] * s[i] * (1f - s[i]);
            a.AccumulateGrad(da);
        });
    }

    /// <summary>Hyperbolic tangent, element-wise.</summary>
    public static Tensor Tanh(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Tanh(x, d));
        return result.WithGrad("Tanh", a, g =>
        {
            var t = result.Values; var gv = g.Values;
            var da = Empty(a.ShapeArray()); var dd = da.Data;
            for (int i = 0; i < dd.Length; i++) dd[i] = gv[i] * (1f - t[i] * t[i]);
            a.AccumulateGrad(da);
        });
    }

    /// <summary>softplus(x) = log(1 + eˣ), computed without overflow as max(x,0) + log1p(e^−|x|).</summary>
    public static Tensor Softplus(Tensor a) =>
        Map(a, static (x, d) =>
        {
            for (int i = 0; i < d.Length; i++)
            {
                float v = x[i];
                d[i] = (float)(Math.Max(v, 0.0) + ScalarMath.Log1p(Math.Exp(-Math.Abs(v))));
            }
        }).WithGrad("Softplus", a, g => a.AccumulateGrad(Mul(g, Sigmoid(a))));

    /// <summary>max(x, 0), element-wise (gradient 0 at 0).</summary>
    public static Tensor Relu(Tensor a) =>
        Map(a, static (x, d) => TensorPrimitives.Max(x, 0f, d)).WithGrad("Relu", a, g =>
        {
            var x = a.Values; var gv = g.Values;
            var da = Empty(a.ShapeArray()); var dd = da.Data;
            for (int i = 0; i < dd.Length; i++) dd[i] = x[i] > 0f ? gv[i] : 0f;
            a.AccumulateGrad(da);
        });

    /// <summary>
    /// Limits every element to [<paramref name="min"/>, <paramref name="max"/>]. The gradient passes where
    /// the input lies inside the bounds (inclusive) and is zero beyond them.
    /// </summary>
    public static Tensor Clamp(Tensor a, float min, float max)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}");
        return Map(a, (x, d) => TensorPrimitives.Clamp(x, min, max, d)).WithGrad("Clamp", a, g =>
        {
            var x = a.Values; var gv = g.Values;
            var da = Empty(a.ShapeArray()); var dd = da.Data;
            for (int i = 0; i < dd.Length; i++) dd[i] = x[i] >= min && x[i] <= max ? gv[i] : 0f;
            a.AccumulateGrad(da);
        });
    }

    /// <summary>|x|, element-wise (gradient sign(x), 0 at 0).</summary>
    public static Tensor Abs(Tensor a) =>
        Map(a, static (x, d) => TensorPrimitives.Abs(x, d)).WithGrad("Abs", a, g =>
        {
            var x = a.Values; var gv = g.Values;
            var da = Empty(a.ShapeArray()); var dd = da.Data;
            for (int i = 0; i < dd.Length; i++) dd[i] = x[i] > 0f ? gv[i] : x[i] < 0f ? -gv[i] : 0f;
            a.AccumulateGrad(da);
        });
}
