using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class ReductionTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    [Fact]
    public void SoftmaxOfLargeInputsIsExactAndFinite()
    {
        var y = Tensor.Softmax(new Tensor([80f, 80f, -80f, -80f, 80f, -80f], 3, 2), -1).ToArray();
        Assert.Equal(new float[] { 0.5f, 0.5f, 0.5f, 0.5f, 1f, 0f }, y);

        var x = new float[] { 80f, 79f, 78f, -80f };
        var got = Tensor.Softmax(new Tensor(x, 4)).ToArray();
        double sum = 0;
        foreach (var v in x) sum += Math.Exp(v - 80.0);
        for (int i = 0; i < 4; i++)
        {
            float expected = (float)(Math.Exp(x[i] - 80.0) / sum);
            Assert.True(Math.Abs(got[i] - expected) <= 2e-7f * expected, $"softmax[{i}] = {got[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void SoftmaxOverANonInnermostAxisMatchesHandComputed()
    {
        // Axis 0 of [[0, 1000], [ln 3, -1000]]: columns are softmax([0, ln 3]) = [1/4, 3/4] and softmax([1000, -1000]) = [1, 0].
        var y = Tensor.Softmax(new Tensor([0f, 1000f, MathF.Log(3f), -1000f], 2, 2), 0).ToArray();
        Assert.Equal(0.25f, y[0], 6);
        Assert.Equal(0.75f, y[2], 6);
        Assert.Equal(1f, y[1]);
        Assert.Equal(0f, y[3]);
        Assert.DoesNotContain(y, float.IsNaN);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void SoftmaxGradients(int axis) =>
        GradCheck.Assert(x => Tensor.Softmax(x[0], axis), [R(1, 3, 4, 5)]);

    [Fact]
    public void MaxValuesAndGradientGoesToTheFirstArgmax()
    {
        var x = new Tensor([1f, 3f, 3f, 2f, -5f, -4f, -4f, -6f], 2, 4).RequireGrad();
        var m = x.Max(1);
        Assert.Equal(new[] { 2 }, m.ShapeArray());
        Assert.Equal(new float[] { 3f, -4f }, m.ToArray());
        m.Backward(new Tensor([10f, 20f], 2));
        Assert.Equal(new float[] { 0, 10, 0, 0, 0, 20, 0, 0 }, x.Grad!.ToArray());
        Assert.Equal(new[] { 2, 1 }, x.Max(-1, keepDim: true).ShapeArray());
        Assert.Equal(3f, x.Max().Item());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void MaxGradients(int axis, bool keepDim) =>
        GradCheck.Assert(x => x[0].Max(axis, keepDim), [R(2, 3, 4, 5)]);

    [Fact]
    public void ProdValuesAndGradientWithZeros()
    {
        var x = new Tensor([2f, 0f, 3f, 0f, 0f, 3f, 1f, 2f, 3f], 3, 3).RequireGrad();
        var p = x.Prod(1);
        Assert.Equal(new float[] { 0f, 0f, 6f }, p.ToArray());
        p.Sum().Backward();
        Assert.Equal(new float[] { 0f, 6f, 0f, 0f, 0f, 0f, 6f, 3f, 2f }, x.Grad!.ToArray());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    public void ProdGradients(int axis, bool keepDim) =>
        GradCheck.Assert(x => x[0].Prod(axis, keepDim), [R(3, 3, 4, 5)]);

    [Fact]
    public void ExclusiveCumprodValuesIncludingZeros()
    {
        Assert.Equal(new float[] { 1f, 2f, 6f, 24f }, Tensor.ExclusiveCumprod(new Tensor([2f, 3f, 4f, 5f], 4), 0).ToArray());
        Assert.Equal(new float[] { 1f, 2f, 0f, 0f }, Tensor.ExclusiveCumprod(new Tensor([2f, 0f, 4f, 5f], 4), 0).ToArray());
        // Along axis 0 of a [3, 2] matrix: columns [2, 3, 4] and [0, 5, 6].
        Assert.Equal(new float[] { 1f, 1f, 2f, 0f, 6f, 0f },
            Tensor.ExclusiveCumprod(new Tensor([2f, 0f, 3f, 5f, 4f, 6f], 3, 2), 0).ToArray());
    }

    [Fact]
    public void ExclusiveCumprodGradientWithZerosIsExact()
    {
        // out = [1, x0, x0·x1, x0·x1·x2]; with all-ones upstream gradient:
        // d/dx0 = 1 + x1 + x1·x2, d/dx1 = x0 + x0·x2, d/dx2 = x0·x1, d/dx3 = 0.
        var x = new Tensor([2f, 0f, 4f, 5f], 4).RequireGrad();
        x.ExclusiveCumprod(0).Sum().Backward();
        Assert.Equal(new float[] { 1f, 10f, 0f, 0f }, x.Grad!.ToArray());

        var y = new Tensor([0f, 0f, 3f], 3).RequireGrad();
        y.ExclusiveCumprod(0).Sum().Backward();
        Assert.Equal(new float[] { 1f, 0f, 0f }, y.Grad!.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void ExclusiveCumprodGradients(int axis) =>
        GradCheck.Assert(x => Tensor.ExclusiveCumprod(x[0], axis), [R(4, 3, 4, 5)]);
}
