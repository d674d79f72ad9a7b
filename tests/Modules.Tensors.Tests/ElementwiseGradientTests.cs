using Modules.Tensors;

namespace Modules.Tensors.Tests;

/// <summary>Finite-difference checks for the element-wise and reduction ops of the core.</summary>
public class ElementwiseGradientTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    /// <summary>Values in [0.5, 2], for ops defined only on positive numbers.</summary>
    private static Tensor Positive(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, 0.5f, 2f);

    /// <summary>Values with |x| in [0.1, 1], away from the kinks of relu and abs at 0.</summary>
    private static Tensor AwayFromZero(ulong seed, params int[] shape)
    {
        var t = R(seed, shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = MathF.CopySign(0.1f + 0.9f * MathF.Abs(d[i]), d[i]);
        return t;
    }

    public static TheoryData<string> UnaryOps() => ["Neg", "Exp", "Square", "Sigmoid", "Tanh", "Softplus", "AddScalar", "Scale", "PowInteger"];

    private static Tensor ApplyUnary(string op, Tensor x) => op switch
    {
        "Neg" => -x,
        "Exp" => Tensor.Exp(x),
        "Square" => Tensor.Square(x),
        "Sigmoid" => Tensor.Sigmoid(x),
        "Tanh" => Tensor.Tanh(x),
        "Softplus" => Tensor.Softplus(x),
        "AddScalar" => x + 3f,
        "Scale" => x * -2.5f,
        "PowInteger" => Tensor.Pow(x, 3f),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void SmoothUnaryGradients(string op) => GradCheck.Assert(x => ApplyUnary(op, x[0]), [R(1, 3, 4)]);

    [Fact]
    public void GradientsOfOpsOnPositiveInputs()
    {
        GradCheck.Assert(x => Tensor.Log(x[0]), [Positive(2, 3, 4)]);
        GradCheck.Assert(x => Tensor.Sqrt(x[0]), [Positive(3, 3, 4)]);
        GradCheck.Assert(x => Tensor.Pow(x[0], 1.5f), [Positive(4, 3, 4)]);
        GradCheck.Assert(x => 1f / x[0], [Positive(5, 3, 4)]);
    }

    [Fact]
    public void GradientsOfPiecewiseOpsAwayFromTheirKinks()
    {
        GradCheck.Assert(x => Tensor.Relu(x[0]), [AwayFromZero(6, 3, 4)]);
        GradCheck.Assert(x => Tensor.Abs(x[0]), [AwayFromZero(7, 3, 4)]);
        // Clamp bounds ±0.05 lie inside the gap around zero, so every element is clearly inside or outside.
        GradCheck.Assert(x => Tensor.Clamp(x[0] * 0.05f, -0.05f, 0.05f) + Tensor.Clamp(x[0], -0.05f, 0.05f), [AwayFromZero(8, 3, 4)]);
    }

    [Fact]
    public void ReductionGradients()
    {
        GradCheck.Assert(x => x[0].Sum(), [R(9, 2, 3)]);
        GradCheck.Assert(x => x[0].Mean(), [R(10, 2, 3)]);
        GradCheck.Assert(x => x[0].Sum(-1), [R(11, 2, 3, 4)]);
        GradCheck.Assert(x => x[0].Mean(1, keepDim: true), [R(12, 2, 3, 4)]);
        GradCheck.Assert(x => x[0].Transpose(0, 2), [R(13, 2, 3, 4)]);
    }

    [Fact]
    public void BroadcastGradientsInEveryDirection()
    {
        GradCheck.Assert(x => x[0] - x[1], [R(14, 4, 1), R(15, 1, 3)]);
        GradCheck.Assert(x => x[0] / (Tensor.Square(x[1]) + 1f), [R(16, 3), R(17, 2, 1, 3)]);
        GradCheck.Assert(x => x[0] * x[1], [R(18), R(19, 2, 3)]);
    }

    [Fact]
    public void SoftplusIsFiniteAndExactForLargeInputs()
    {
        var y = Tensor.Softplus(new Tensor([100f, -100f, 0f], 3)).ToArray();
        Assert.Equal(new float[] { 100f, (float)Math.Exp(-100.0), MathF.Log(2f) }, y);
    }
}
