using Modules.Tensors;

namespace Modules.Tensors.Tests;

/// <summary>
/// Backward functions write gradients straight into the inputs' gradient buffers. For every op that does so: the
/// gradient against finite differences when the input is used once, when it is used twice in one graph (the second
/// use adds into the buffer the first created), and when the user set the leaf's Grad before backward (that tensor
/// is not modified, the sum is a new buffer, and a further backward adds into that buffer in place).
/// </summary>
public class InPlaceGradientTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    private static Tensor Positive(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, 0.5f, 2f);

    /// <summary>Distinct values 0.1 apart, none closer than 0.05 to 0, ±0.5 or each other: away from every kink and tie.</summary>
    private static Tensor Spread(ulong seed, params int[] shape)
    {
        int size = 1;
        foreach (var d in shape) size *= d;
        var values = new float[size];
        for (int i = 0; i < size; i++) values[i] = (i + 0.5f) * 0.1f - size * 0.05f;
        var rng = new Generator(seed);
        for (int i = size - 1; i > 0; i--)
        {
            int j = rng.NextInt(0, i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
        return new Tensor(values, shape);
    }

    private sealed record Case(Func<Tensor[], Tensor> F, Func<Tensor[]> Inputs);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["Exp"] = new(x => Tensor.Exp(x[0]), () => [R(1, 2, 3, 4)]),
        ["Log"] = new(x => Tensor.Log(x[0]), () => [Positive(2, 2, 3, 4)]),
        ["Sqrt"] = new(x => Tensor.Sqrt(x[0]), () => [Positive(3, 2, 3, 4)]),
        ["Pow"] = new(x => Tensor.Pow(x[0], 1.5f), () => [Positive(4, 2, 3, 4)]),
        ["Square"] = new(x => Tensor.Square(x[0]), () => [R(5, 2, 3, 4)]),
        ["Sigmoid"] = new(x => Tensor.Sigmoid(x[0]), () => [R(6, 2, 3, 4)]),
        ["Tanh"] = new(x => Tensor.Tanh(x[0]), () => [R(7, 2, 3, 4)]),
        ["Softplus"] = new(x => Tensor.Softplus(x[0]), () => [R(8, 2, 3, 4)]),
        ["Relu"] = new(x => Tensor.Relu(x[0]), () => [Spread(9, 2, 3, 4)]),
        ["Clamp"] = new(x => Tensor.Clamp(x[0], -0.5f, 0.5f), () => [Spread(10, 2, 3, 4)]),
        ["Abs"] = new(x => Tensor.Abs(x[0]), () => [Spread(11, 2, 3, 4)]),
        ["Neg"] = new(x => -x[0], () => [R(12, 2, 3, 4)]),
        ["Scale"] = new(x => x[0] * 1.7f, () => [R(13, 2, 3, 4)]),
        ["AddScalar"] = new(x => x[0] + 0.3f, () => [R(14, 2, 3, 4)]),
        ["SumAll"] = new(x => x[0].Sum(), () => [R(15, 2, 3, 4)]),
        ["SumAxis0"] = new(x => x[0].Sum(0), () => [R(16, 2, 3, 4)]),
        ["SumAxis1KeepDim"] = new(x => x[0].Sum(1, keepDim: true), () => [R(17, 2, 3, 4)]),
        ["SumLastAxis"] = new(x => x[0].Sum(-1), () => [R(18, 2, 3, 4)]),
        ["Mean"] = new(x => x[0].Mean(1), () => [R(19, 2, 3, 4)]),
        ["ProdLastAxis"] = new(x => x[0].Prod(-1), () => [R(70, 2, 3, 4)]),
        ["ProdMiddleAxis"] = new(x => x[0].Prod(1, keepDim: true), () => [R(71, 2, 3, 4)]),
        ["CumprodLastAxis"] = new(x => x[0].ExclusiveCumprod(-1), () => [R(72, 2, 3, 4)]),
        ["MaxAxis1"] = new(x => x[0].Max(1), () => [Spread(20, 2, 3, 4)]),
        ["SoftmaxLast"] = new(x => Tensor.Softmax(x[0], -1), () => [R(21, 2, 3, 4)]),
        ["SoftmaxMiddle"] = new(x => Tensor.Softmax(x[0], 1), () => [R(22, 2, 3, 4)]),
        ["SliceMiddle"] = new(x => x[0].Slice(1, 1, 2), () => [R(23, 2, 3, 4)]),
        ["SliceFirstAxis"] = new(x => x[0].Slice(0, 1, 1), () => [R(24, 2, 3, 4)]),
        ["Select"] = new(x => x[0].Select(2, 3), () => [R(25, 2, 3, 4)]),
        ["Split"] = new(x => x[0].Split(1, 1, 2)[1] * 2f + x[0].Split(1, 2, 1)[0], () => [R(26, 2, 3, 4)]),
        ["ConcatWithItself"] = new(x => Tensor.Concat(1, x[0], x[1], x[0]), () => [R(27, 2, 3, 4), R(28, 2, 1, 4)]),
        ["ConcatLastAxis"] = new(x => Tensor.Concat(-1, x[0], x[1]), () => [R(29, 2, 3, 4), R(30, 2, 3, 2)]),
        ["Stack"] = new(x => Tensor.Stack(1, x[0], x[1]), () => [R(31, 2, 3, 4), R(32, 2, 3, 4)]),
        ["Reshape"] = new(x => x[0].Reshape(4, -1), () => [R(33, 2, 3, 4)]),
        ["UnsqueezeSqueeze"] = new(x => x[0].Unsqueeze(1).Squeeze(1).Unsqueeze(-1), () => [R(34, 2, 3, 4)]),
        ["Expand"] = new(x => x[0].Expand(3, 2, 5, 4), () => [R(35, 2, 1, 4)]),
        ["Gather"] = new(x => x[0].Gather(1, [0, 2, 2, 1, 0, 0, 1, 2], [2, 2, 2]), () => [R(36, 2, 3, 2)]),
        ["Permute"] = new(x => x[0].Permute(2, 0, 1), () => [R(37, 2, 3, 4)]),
        ["MatMul"] = new(x => Tensor.MatMul(x[0], x[1]), () => [R(38, 3, 4), R(39, 4, 5)]),
        ["MatMulTransposes"] = new(x => Tensor.MatMul(x[0], x[1], transposeA: true, transposeB: true), () => [R(40, 4, 3), R(41, 5, 4)]),
        ["MatMulBatched"] = new(x => Tensor.MatMul(x[0], x[1]), () => [R(42, 2, 3, 4), R(43, 2, 4, 5)]),
        ["MatMulBatchedTransposeB"] = new(x => Tensor.MatMul(x[0], x[1], transposeB: true), () => [R(44, 2, 3, 4), R(45, 2, 5, 4)]),
        ["MatMulSharedB"] = new(x => Tensor.MatMul(x[0], x[1]), () => [R(46, 2, 3, 4), R(47, 4, 5)]),
        ["MatMulSharedBTransposeB"] = new(x => Tensor.MatMul(x[0], x[1], transposeB: true), () => [R(48, 2, 3, 4), R(49, 5, 4)]),
        ["MatMulSharedBTransposeA"] = new(x => Tensor.MatMul(x[0], x[1], transposeA: true), () => [R(50, 2, 4, 3), R(51, 4, 5)]),
        ["MatMulSharedBBothTransposed"] = new(x => Tensor.MatMul(x[0], x[1], transposeA: true, transposeB: true), () => [R(52, 2, 4, 3), R(53, 5, 4)]),
        ["BiasRow"] = new(x => x[0] + x[1], () => [R(54, 2, 3, 4), R(55, 4)]),
        ["StrengthColumn"] = new(x => x[0] * x[1], () => [R(56, 2, 3, 4), R(57, 2, 3, 1)]),
        ["QuotientScalar"] = new(x => x[0] / x[1], () => [R(58, 2, 3, 4), Positive(59, 1)]),
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradientOfOneUse(string name)
    {
        var c = Cases[name];
        GradCheck.Assert(c.F, c.Inputs());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradientWhenEveryInputIsUsedTwice(string name)
    {
        // Two uses of the same leaves in one graph, combined so that neither gradient is a copy of the other.
        var c = Cases[name];
        GradCheck.Assert(x => c.F(x) + Tensor.Square(c.F(x)), c.Inputs());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradientWhenTheIntermediateResultIsUsedTwice(string name)
    {
        // The op's input is an intermediate used by two consumers, so its gradient arrives in two parts.
        var c = Cases[name];
        var inputs = c.Inputs();
        GradCheck.Assert(x =>
        {
            var shifted = new Tensor[x.Length];
            for (int i = 0; i < x.Length; i++) shifted[i] = x[i] * 1f;
            return c.F(shifted) + shifted[0].Sum() * 0.5f;
        }, inputs);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradientAddsToAGradSetByTheUserWithoutChangingIt(string name)
    {
        var c = Cases[name];
        var inputs = c.Inputs();
        foreach (var x in inputs) x.RequireGrad();
        var output = c.F(inputs);
        var probe = R(99, output.ShapeArray());
        Tensor Loss() => Tensor.Mul(c.F(inputs), probe).Sum();

        Loss().Backward();
        var fresh = Array.ConvertAll(inputs, x => x.Grad!.ToArray());

        var userGrads = Array.ConvertAll(inputs, x => Tensor.Full(x.ShapeArray(), 0.25f));
        for (int i = 0; i < inputs.Length; i++) inputs[i].Grad = userGrads[i];
        Loss().Backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.All(userGrads[i].ToArray(), v => Assert.Equal(0.25f, v)); // the user's tensor is left alone
            Assert.NotSame(userGrads[i], inputs[i].Grad);
            AssertClose(Shifted(fresh[i], 0.25f, 1f), inputs[i].Grad!.ToArray());
        }

        // The leaf now owns its gradient: a further backward adds into the same buffer.
        var owned = Array.ConvertAll(inputs, x => x.Grad!);
        Loss().Backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Same(owned[i], inputs[i].Grad);
            AssertClose(Shifted(fresh[i], 0.25f, 2f), inputs[i].Grad!.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void UnderAGradientCaptureTheSameGradientsGoToTheCapture(string name)
    {
        // The leaves are used twice, so the capture's buffer is both created and added to by the backward kernels.
        var c = Cases[name];
        var inputs = c.Inputs();
        foreach (var x in inputs) x.RequireGrad();
        Tensor Loss() => (c.F(inputs) + Tensor.Square(c.F(inputs))).Sum();

        Loss().Backward();
        var plain = Array.ConvertAll(inputs, x => x.Grad!.ToArray());
        foreach (var x in inputs) x.Grad = null;

        var capture = new GradientCapture();
        using (Tensor.CaptureGradients(capture)) Loss().Backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Null(inputs[i].Grad);
            Assert.Equal(plain[i], capture[inputs[i]]!.ToArray());
        }
    }

    private static float[] Shifted(float[] grad, float offset, float times) => Array.ConvertAll(grad, g => offset + times * g);

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-5f * Math.Abs(expected[i]), $"at {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void ReductionsOverTheInnermostAxisMatchTheSameReductionOverAnOuterAxis()
    {
        // The innermost-axis loops are separate code; the permuted tensor takes the row-at-a-time loops.
        var x = R(73, 2, 3, 5);
        var moved = x.Permute(0, 2, 1); // [2, 5, 3]: the old last axis is now axis 1
        Assert.Equal(moved.Sum(1).ToArray(), x.Sum(-1).ToArray());
        Assert.Equal(moved.Prod(1).ToArray(), x.Prod(-1).ToArray());
        Assert.Equal(moved.ExclusiveCumprod(1).Permute(0, 2, 1).ToArray(), x.ExclusiveCumprod(-1).ToArray());
        Assert.Equal(moved.Max(1).ToArray(), x.Max(-1).ToArray());
    }

    [Fact]
    public void TheSeedGradientIsNotModified()
    {
        // a + a hands the seed to a twice; a's second part must go to a new buffer, not into the seed.
        var x = R(60, 2, 3).RequireGrad();
        var a = x * 2f;
        var y = Tensor.Tanh(a + a) + a;
        var seed = Tensor.Full([2, 3], 1.5f);
        y.Backward(seed);
        Assert.All(seed.ToArray(), v => Assert.Equal(1.5f, v));
        var t = Tensor.Tanh(x.Detach() * 4f).ToArray();
        var expected = Array.ConvertAll(t, v => 1.5f * (4f * (1f - v * v) + 2f));
        AssertClose(expected, x.Grad!.ToArray());
    }

    [Fact]
    public void AGradientSharedByTwoInputsIsNotModifiedByEither()
    {
        // u + v hands the same gradient to u and v; u's further use adds into u's gradient, which must be a copy first.
        GradCheck.Assert(x =>
        {
            var u = Tensor.Tanh(x[0]); var v = Tensor.Sigmoid(x[0]);
            return (u + v) + u * 3f + v * v + Tensor.MatMul(u, x[1]).Sum(0, keepDim: true);
        }, [R(61, 3, 3), R(62, 3, 3)]);
    }

    [Fact]
    public void AWeightUsedAtEveryStepAccumulatesIntoOneBuffer()
    {
        // An unrolled recurrence: the same weight and bias at each of 4 steps.
        GradCheck.Assert(x =>
        {
            var h = x[0];
            for (int t = 0; t < 4; t++) h = Tensor.Tanh(Tensor.MatMul(h, x[1]) + x[2]);
            return h;
        }, [R(63, 2, 3), R(64, 3, 3), R(65, 3)]);
    }

    [Fact]
    public void BackwardAddsIntoTheLeafGradientWithoutReplacingIt()
    {
        var w = R(66, 4, 5).RequireGrad();
        var x = R(67, 3, 4);
        Tensor.MatMul(x, w).Sum().Backward();
        var first = w.Grad!;
        var once = first.ToArray();
        Tensor.MatMul(x, w).Sum().Backward();
        Assert.Same(first, w.Grad);
        AssertClose(Array.ConvertAll(once, v => 2f * v), w.Grad!.ToArray());
    }
}
