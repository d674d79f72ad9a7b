using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    // Each op computes its result, then records its backward only when it must (a separate method, so no closure is
    // allocated otherwise). Backwards write the input's gradient straight into its buffer via AccumulateGrad's kernel.

    /// <summary>eˣ, element-wise.</summary>
    public static Tensor Exp(Tensor a)
    {
        var result = Map(a, static (x, d) => FloatMath.Exp(x, d));
        return Records(a) ? RecordProduct("Exp", result, a, result) : result;
    }

    /// <summary>Records a backward dx = g · factor, for a factor of the input's shape.</summary>
    private static Tensor RecordProduct(string op, Tensor result, Tensor a, Tensor factor) =>
        result.WithGrad(op, a, factor, static (s, t, acc) =>
        {
            if (acc) TensorPrimitives.FusedMultiplyAdd(s.Grad.Values, s.State.Values, t, t);
            else TensorPrimitives.Multiply(s.Grad.Values, s.State.Values, t);
        });

    /// <summary>Natural logarithm, element-wise.</summary>
    public static Tensor Log(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Log(x, d));
        return Records(a) ? RecordLog(result, a) : result;
    }

    private static Tensor RecordLog(Tensor result, Tensor a) =>
        result.WithGrad("Log", a, a, static (s, t, acc) =>
        {
            if (acc) DivideKernel.RunAccumulate(s.Grad.Values, s.State.Values, t);
            else TensorPrimitives.Divide(s.Grad.Values, s.State.Values, t);
        });

    /// <summary>Square root, element-wise.</summary>
    public static Tensor Sqrt(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Sqrt(x, d));
        return Records(a) ? RecordSqrt(result, a) : result;
    }

    private static Tensor RecordSqrt(Tensor result, Tensor a) =>
        result.WithGrad("Sqrt", a, result, static (s, t, acc) =>
        {
            var gv = s.Grad.Values; var r = s.State.Values;
            for (int i = 0; i < t.Length; i++)
            {
                float d = gv[i] * 0.5f / r[i];
                t[i] = acc ? t[i] + d : d;
            }
        });

    /// <summary>xᵖ for a constant exponent, element-wise.</summary>
    public static Tensor Pow(Tensor a, float p)
    {
        var result = Uninitialized(a.shape);
        TensorPrimitives.Pow(a.Values, p, result.Data);
        return Records(a) ? RecordPow(result, a, p) : result;
    }

    private static Tensor RecordPow(Tensor result, Tensor a, float p) =>
        result.WithGrad("Pow", a, (a, p), static (s, t, acc) =>
        {
            // dx = g · (p · x^(p−1))
            var d = acc ? BackwardBufferUninitialized(t.Length).Data : t;
            TensorPrimitives.Pow(s.State.a.Values, s.State.p - 1f, d);
            TensorPrimitives.Multiply(d, s.State.p, d);
            TensorPrimitives.Multiply(d, s.Grad.Values, d);
            if (acc) TensorPrimitives.Add(t, d, t);
        });

    /// <summary>x², element-wise.</summary>
    public static Tensor Square(Tensor a)
    {
        var result = Uninitialized(a.shape);
        TensorPrimitives.Multiply(a.Values, a.Values, result.Data);
        return Records(a) ? RecordSquare(result, a) : result;
    }

    private static Tensor RecordSquare(Tensor result, Tensor a) =>
        result.WithGrad("Square", a, a, static (s, t, acc) =>
        {
            var gv = s.Grad.Values; var x = s.State.Values;
            if (acc) for (int i = 0; i < t.Length; i++) t[i] += gv[i] * (x[i] * 2f);
            else for (int i = 0; i < t.Length; i++) t[i] = gv[i] * (x[i] * 2f);
        });

    /// <summary>The logistic function 1/(1+e⁻ˣ), element-wise.</summary>
    public static Tensor Sigmoid(Tensor a)
    {
        var result = Map(a, static (x, d) => FloatMath.Sigmoid(x, d));
        return Records(a) ? RecordSigmoid(result, a) : result;
    }

    private static Tensor RecordSigmoid(Tensor result, Tensor a) =>
        result.WithGrad("Sigmoid", a, result, static (s, t, acc) =>
        {
            var gv = s.Grad.Values; var y = s.State.Values;
            if (acc) for (int i = 0; i < t.Length; i++) t[i] += gv[i] * y[i] * (1f - y[i]);
            else FloatMath.SigmoidBackward(gv, y, t);
        });

    /// <summary>Hyperbolic tangent, element-wise.</summary>
    public static Tensor Tanh(Tensor a)
    {
        var result = Map(a, static (x, d) => FloatMath.Tanh(x, d));
        return Records(a) ? RecordTanh(result, a) : result;
    }

    private static Tensor RecordTanh(Tensor result, Tensor a) =>
        result.WithGrad("Tanh", a, result, static (s, t, acc) =>
        {
            var gv = s.Grad.Values; var y = s.State.Values;
            if (acc) for (int i = 0; i < t.Length; i++) t[i] += gv[i] * (1f - y[i] * y[i]);
            else for (int i = 0; i < t.Length; i++) t[i] = gv[i] * (1f - y[i] * y[i]);
        });

    /// <summary>softplus(x) = log(1 + eˣ), computed without overflow as max(x,0) + log1p(e^−|x|).</summary>
    public static Tensor Softplus(Tensor a)
    {
        var result = Map(a, static (x, d) =>
        {
            for (int i = 0; i < d.Length; i++)
            {
                float v = x[i];
                d[i] = (float)(Math.Max(v, 0.0) + ScalarMath.Log1p(Math.Exp(-Math.Abs(v))));
            }
        });
        return Records(a) ? RecordSoftplus(result, a) : result;
    }

    private static Tensor RecordSoftplus(Tensor result, Tensor a) =>
        result.WithGrad("Softplus", a, a, static (s, t, acc) =>
        {
            // dx = g · sigmoid(x)
            var d = acc ? BackwardBufferUninitialized(t.Length).Data : t;
            FloatMath.Sigmoid(s.State.Values, d);
            TensorPrimitives.Multiply(s.Grad.Values, d, d);
            if (acc) TensorPrimitives.Add(t, d, t);
        });

    /// <summary>max(x, 0), element-wise (gradient 0 at 0).</summary>
    public static Tensor Relu(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Max(x, 0f, d));
        return Records(a) ? RecordMasked("Relu", result, a, float.Epsilon, float.PositiveInfinity) : result;
    }

    /// <summary>Records a backward that passes g where min ≤ x ≤ max and 0 elsewhere.</summary>
    private static Tensor RecordMasked(string op, Tensor result, Tensor a, float min, float max) =>
        result.WithGrad(op, a, (a, min, max), static (s, t, acc) =>
        {
            var gv = s.Grad.Values; var x = s.State.a.Values; float lo = s.State.min, hi = s.State.max;
            if (acc) { for (int i = 0; i < t.Length; i++) if (x[i] >= lo && x[i] <= hi) t[i] += gv[i]; }
            else for (int i = 0; i < t.Length; i++) t[i] = x[i] >= lo && x[i] <= hi ? gv[i] : 0f;
        });

    /// <summary>
    /// Limits every element to [<paramref name="min"/>, <paramref name="max"/>]. The gradient passes where
    /// the input lies inside the bounds (inclusive) and is zero beyond them.
    /// </summary>
    public static Tensor Clamp(Tensor a, float min, float max)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}");
        var result = Uninitialized(a.shape);
        TensorPrimitives.Clamp(a.Values, min, max, result.Data);
        return Records(a) ? RecordMasked("Clamp", result, a, min, max) : result;
    }

    /// <summary>|x|, element-wise (gradient sign(x), 0 at 0).</summary>
    public static Tensor Abs(Tensor a)
    {
        var result = Map(a, static (x, d) => TensorPrimitives.Abs(x, d));
        return Records(a) ? RecordAbs(result, a) : result;
    }

    private static Tensor RecordAbs(Tensor result, Tensor a) =>
        result.WithGrad("Abs", a, a, static (s, t, acc) =>
        {
            var gv = s.Grad.Values; var x = s.State.Values;
            for (int i = 0; i < t.Length; i++)
            {
                float d = x[i] > 0f ? gv[i] : x[i] < 0f ? -gv[i] : 0f;
                t[i] = acc ? t[i] + d : d;
            }
        });
}
