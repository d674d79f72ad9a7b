using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class MeanSquaredErrorTests
{
    [Fact]
    public void HandComputedLossAndGradients()
    {
        // Differences 1, -2, 0.5, 0 → squares 1, 4, 0.25, 0 → mean 5.25 / 4 = 1.3125.
        var p = new Tensor([1f, 0f, 2.5f, -1f], 2, 2).RequireGrad();
        var t = new Tensor([0f, 2f, 2f, -1f], 2, 2).RequireGrad();

        var loss = Tensor.MeanSquaredError(p, t);

        Assert.Equal(0, loss.Rank);
        Assert.Equal(1.3125f, loss.Item());
        loss.Backward();
        // 2·d/n with n = 4: d/2.
        Assert.Equal(new[] { 0.5f, -1f, 0.25f, 0f }, p.Grad!.ToArray());
        Assert.Equal(new[] { -0.5f, 1f, -0.25f, 0f }, t.Grad!.ToArray());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences() =>
        GradCheck.Assert(
            x => Tensor.MeanSquaredError(x[0], x[1]),
            [Tensor.Uniform(new Generator(3), [3, 4], -2f, 2f), Tensor.Uniform(new Generator(4), [3, 4], -2f, 2f)]);

    [Fact]
    public void ShapesMustMatchAndBeNonEmpty()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.MeanSquaredError(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Equal("MeanSquaredError: shapes [2, 3] and [3, 2] do not match", e.Message);
        var empty = Assert.Throws<ArgumentException>(() => Tensor.MeanSquaredError(Tensor.Zeros(0, 3), Tensor.Zeros(0, 3)));
        Assert.Equal("MeanSquaredError: the tensors are empty (shape [0, 3])", empty.Message);
    }
}
