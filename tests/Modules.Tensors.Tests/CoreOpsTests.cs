using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class CoreOpsTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    [Fact]
    public void BroadcastAddMatchesHandComputed()
    {
        var a = new Tensor([1, 2, 3, 4, 5, 6], 2, 3);
        var b = new Tensor([10, 20, 30], 3);
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, (a + b).ToArray());
        var c = new Tensor([100, 200], 2, 1);
        Assert.Equal(new float[] { 101, 102, 103, 204, 205, 206 }, (a + c).ToArray());
    }

    [Fact]
    public void MatMulMatchesHandComputed()
    {
        var a = new Tensor([1, 2, 3, 4, 5, 6], 2, 3);
        var b = new Tensor([7, 8, 9, 10, 11, 12], 3, 2);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, Tensor.MatMul(a, b).ToArray());
        Assert.Equal(new float[] { 58, 64, 139, 154 }, Tensor.MatMul(a.Transpose(), b, transposeA: true).ToArray());
        Assert.Equal(new float[] { 58, 64, 139, 154 }, Tensor.MatMul(a, b.Transpose(), transposeB: true).ToArray());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMulGradients(bool ta, bool tb)
    {
        GradCheck.Assert(x => Tensor.MatMul(x[0], x[1], ta, tb), [R(1, ta ? [4, 3] : [3, 4]), R(2, tb ? [5, 4] : [4, 5])]);
        GradCheck.Assert(x => Tensor.MatMul(x[0], x[1], ta, tb), [R(3, ta ? [2, 4, 3] : [2, 3, 4]), R(4, tb ? [2, 5, 4] : [2, 4, 5])]);
        GradCheck.Assert(x => Tensor.MatMul(x[0], x[1], ta, tb), [R(5, ta ? [2, 4, 3] : [2, 3, 4]), R(6, tb ? [5, 4] : [4, 5])]);
    }

    [Fact]
    public void BroadcastArithmeticGradients()
    {
        GradCheck.Assert(x => x[0] * x[1] + x[0] / (x[1] * x[1] + 2f) - x[1], [R(1, 2, 3, 4), R(2, 3, 1)]);
    }

    [Fact]
    public void SumPermuteReshapeGradients()
    {
        GradCheck.Assert(x => Tensor.Tanh(x[0].Permute(2, 0, 1).Reshape(4, 6).Sum(0, keepDim: true)), [R(1, 2, 3, 4)]);
    }

    [Fact]
    public void GradientsAccumulateWhenATensorIsUsedTwice()
    {
        var x = new Tensor([3f], 1).RequireGrad();
        (x * x + x).Sum().Backward();
        Assert.Equal(7f, x.Grad!.Item());
    }

    [Fact]
    public void ShapeErrorNamesOpAndBothShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Equal("MatMul: shapes [2, 3] and [4, 5] have inner dimensions 3 and 4", e.Message);
        var e2 = Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Equal("Add: shapes [2, 3] and [4] cannot be broadcast together", e2.Message);
    }
}
