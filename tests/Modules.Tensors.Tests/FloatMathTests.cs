using Xunit.Abstractions;

namespace Modules.Tensors.Tests;

/// <summary>
/// Float exp, sigmoid and tanh on every instruction-set path against double-precision references: within 2 ulp of the
/// correctly rounded result over the whole input range, limits and NaN kept, and every vector path bit-identical to the
/// scalar path (lengths that leave a scalar tail after the vectors).
/// </summary>
public class FloatMathTests(ITestOutputHelper output)
{
    public static readonly TheoryData<string> Functions = new() { "exp", "sigmoid", "tanh" };

    [Theory]
    [MemberData(nameof(Functions))]
    public void ScalarPathIsWithinTwoUlp(string function) => CheckPath(function, SimdPath.Scalar);

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(Functions))]
    public void Avx2PathIsWithinTwoUlpAndMatchesScalar(string function) => CheckPath(function, SimdPath.Avx2);

    [SimdTheory(SimdPath.Avx512)]
    [MemberData(nameof(Functions))]
    public void Avx512PathIsWithinTwoUlpAndMatchesScalar(string function) => CheckPath(function, SimdPath.Avx512);

    [Fact]
    public void HandComputedValuesAndLimits()
    {
        Assert.Equal(1f, FloatMath.Exp(0f));
        Assert.Equal(MathF.E, FloatMath.Exp(1f), 1e-6f);
        Assert.Equal(float.PositiveInfinity, FloatMath.Exp(89f));
        Assert.Equal(float.PositiveInfinity, FloatMath.Exp(float.PositiveInfinity));
        Assert.Equal(0f, FloatMath.Exp(-104f));
        Assert.Equal(0f, FloatMath.Exp(float.NegativeInfinity));
        Assert.True(float.IsNaN(FloatMath.Exp(float.NaN)));
        Assert.Equal(0.5f, FloatMath.Sigmoid(0f));
        Assert.Equal(1f, FloatMath.Sigmoid(40f));
        Assert.Equal(0f, FloatMath.Sigmoid(-120f));
        Assert.Equal(0f, FloatMath.Tanh(0f));
        Assert.Equal(1f, FloatMath.Tanh(20f));
        Assert.Equal(-1f, FloatMath.Tanh(float.NegativeInfinity));
        Assert.True(float.IsNaN(FloatMath.Tanh(float.NaN)));
    }

    private void CheckPath(string function, SimdPath path)
    {
        var inputs = Inputs();
        var actual = new float[inputs.Length];
        var scalar = new float[inputs.Length];
        Apply(function, inputs, scalar, SimdPath.Scalar);
        Apply(function, inputs, actual, path);
        int worst = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            float x = inputs[i];
            float expected = Reference(function, x);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(actual[i]), $"{function}({x}) on {path}: {actual[i]}, expected NaN");
                continue;
            }
            int ulps = UlpDistance(actual[i], expected);
            worst = Math.Max(worst, ulps);
            if (ulps > 2) Assert.Fail($"{function}({x:R}) on {path}: {actual[i]:R}, correctly rounded {expected:R} ({ulps} ulp apart)");
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(scalar[i]))
                Assert.Fail($"{function}({x:R}) on {path}: {actual[i]:R} differs from the scalar path's {scalar[i]:R}");
        }
        output.WriteLine($"{function} on path {path} ({Simd.Lanes(path)} float lanes): {inputs.Length} inputs, worst error {worst} ulp");
    }

    private static void Apply(string function, float[] x, float[] y, SimdPath path)
    {
        switch (function)
        {
            case "exp": FloatMath.Run<FloatMath.ExpOp>(x, y, path); break;
            case "sigmoid": FloatMath.Run<FloatMath.SigmoidOp>(x, y, path); break;
            default: FloatMath.Run<FloatMath.TanhOp>(x, y, path); break;
        }
    }

    private static float Reference(string function, float x) => function switch
    {
        "exp" => (float)Math.Exp(x),
        "sigmoid" => (float)(1.0 / (1.0 + Math.Exp(-(double)x))),
        _ => (float)Math.Tanh(x),
    };

    /// <summary>Distance in representable floats (same sign assumed where both are nonzero; ±0 are equal).</summary>
    private static int UlpDistance(float a, float b)
    {
        if (a == b) return 0;
        if (float.IsInfinity(a) || float.IsInfinity(b)) return int.MaxValue;
        long ia = Ordered(a), ib = Ordered(b);
        return (int)Math.Min(int.MaxValue, Math.Abs(ia - ib));
    }

    private static long Ordered(float x)
    {
        int bits = BitConverter.SingleToInt32Bits(x);
        return bits < 0 ? -(long)(bits & int.MaxValue) : bits;
    }

    /// <summary>
    /// A dense sweep of [−110, 95], random values at every scale, the breakpoints (tanh's 0.625, exp's clamps), the
    /// limits and NaN: 200,003 values, an odd count, so every vector width leaves a scalar tail.
    /// </summary>
    private static float[] Inputs()
    {
        var list = new List<float> { 0f, -0f, 0.625f, -0.625f, 0.62499994f, 88.72283f, 88.72284f, -87.33654f, -103.9f, -104f, 89f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 1e-20f, -1e-20f };
        for (int i = 0; i < 100_000; i++) list.Add(-110f + 205f * i / 100_000f);
        var g = new Generator(2024);
        while (list.Count < 200_003)
        {
            float magnitude = MathF.Pow(10f, -8f + 10f * g.NextFloat());
            list.Add(g.NextFloat() < 0.5f ? -magnitude : magnitude);
        }
        return list.ToArray();
    }
}
