using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class MaskingAndLossTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    [Fact]
    public void MaskDiagonalZeroesTheDiagonalOfEveryMatrixAndItsGradient()
    {
        var x = Tensor.Arange(12, 1f).Reshape(2, 2, 3).RequireGrad();
        var m = Tensor.MaskDiagonal(x);
        Assert.Equal(new float[] { 0, 2, 3, 4, 0, 6, 0, 8, 9, 10, 0, 12 }, m.ToArray());
        m.Sum().Backward();
        Assert.Equal(new float[] { 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1 }, x.Grad!.ToArray());
        GradCheck.Assert(t => t[0].MaskDiagonal(), [R(1, 2, 4, 4)]);
    }

    [Fact]
    public void WhereChoosesPerElementWithBroadcasting()
    {
        var cond = new Tensor([1f, 0f, 1f], 3);
        var a = new Tensor([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var b = new Tensor([-1f, -2f], 2, 1);
        var w = Tensor.Where(cond, a, b);
        Assert.Equal(new float[] { 1, -1, 3, 4, -2, 6 }, w.ToArray());
        Assert.Equal(new float[] { 10, 2, 30 }, Tensor.Where([true, false, true], new Tensor([10f, 20f, 30f], 3), Tensor.Full([3], 2f)).ToArray());
        a.RequireGrad(); b.RequireGrad();
        Tensor.Where(cond, a, b).Sum().Backward();
        Assert.Equal(new float[] { 1, 0, 1, 1, 0, 1 }, a.Grad!.ToArray());
        Assert.Equal(new float[] { 1, 1 }, b.Grad!.ToArray());
        var mask = new Tensor([1f, 0f, 0f, 1f, 1f, 0f], 2, 3);
        GradCheck.Assert(t => Tensor.Where(mask, t[0], t[1]), [R(2, 3), R(3, 2, 1)]);
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.Where(Tensor.Zeros(2), Tensor.Zeros(3), Tensor.Zeros(3)));
        Assert.Equal("Where: shapes [2] and [3] cannot be broadcast together", e.Message);
    }

    [Fact]
    public void OneHotRowsAndRangeCheck()
    {
        var h = Tensor.OneHot([2, 0, 1], 3);
        Assert.Equal(new[] { 3, 3 }, h.ShapeArray());
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, h.ToArray());
        var h2 = Tensor.OneHot(new Tensor([1f, 0f], 2, 1), 2);
        Assert.Equal(new[] { 2, 1, 2 }, h2.ShapeArray());
        Assert.Equal(new float[] { 0, 1, 1, 0 }, h2.ToArray());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([0, 3], 3));
        Assert.StartsWith("OneHot: index 3 at position 1 is outside [0, 3)", e.Message);
    }

    [Fact]
    public void BceWithLogitsIsFiniteAndCorrectToTheFloatForSaturatedLogits()
    {
        var logits = new Tensor([100f, 100f, -100f, -100f, 100f, 0f], 6).RequireGrad();
        var targets = new Tensor([1f, 0f, 0f, 1f, 0.25f, 0.5f], 6);
        var loss = Tensor.BinaryCrossEntropyWithLogits(logits, targets);
        float tiny = (float)Math.Exp(-100.0); // log(1 + e^-100) to double precision
        Assert.True(tiny > 0f);
        Assert.Equal(new float[] { tiny, 100f, tiny, 100f, 75f, MathF.Log(2f) }, loss.ToArray());
        loss.Sum().Backward();
        Assert.Equal(new float[] { 0f, 1f, tiny, -1f, 0.75f, 0f }, logits.Grad!.ToArray());
    }

    [Fact]
    public void BceWithLogitsMatchesTheNaiveFormulaForModerateLogits()
    {
        var x = Tensor.Uniform(new Generator(4), [50], -6f, 6f);
        var z = Tensor.Uniform(new Generator(5), [50], 0f, 1f);
        var loss = Tensor.BinaryCrossEntropyWithLogits(x, z).ToArray();
        for (int i = 0; i < 50; i++)
        {
            double p = 1.0 / (1.0 + Math.Exp(-x.Values[i]));
            double expected = -(z.Values[i] * Math.Log(p) + (1 - z.Values[i]) * Math.Log(1 - p));
            Assert.True(Math.Abs(loss[i] - expected) <= 1e-6 * Math.Max(1.0, expected), $"loss[{i}] = {loss[i]:R}, expected {expected:R}");
        }
        GradCheck.Assert(t => Tensor.BinaryCrossEntropyWithLogits(t[0], t[1]), [R(6, 3, 4), Tensor.Uniform(new Generator(7), [3, 4])]);
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.BinaryCrossEntropyWithLogits(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Equal("BinaryCrossEntropyWithLogits: shapes [2, 3] and [3, 2] do not match", e.Message);
    }

    [Fact]
    public void MaximumAndMinimumWithBroadcastingAndGradients()
    {
        var a = new Tensor([1f, 5f, 3f, -2f], 2, 2);
        var b = new Tensor([2f, 3f], 2);
        Assert.Equal(new float[] { 2, 5, 3, 3 }, Tensor.Maximum(a, b).ToArray());
        Assert.Equal(new float[] { 1, 3, 2, -2 }, Tensor.Minimum(a, b).ToArray());
        Assert.Equal(new float[] { 2, 5, 3, 3 }, Tensor.Maximum(b, a).ToArray());

        // Ties send the gradient to the first argument.
        var p = new Tensor([1f, 2f], 2).RequireGrad();
        var q = new Tensor([1f, 1f], 2).RequireGrad();
        Tensor.Maximum(p, q).Sum().Backward();
        Assert.Equal(new float[] { 1, 1 }, p.Grad!.ToArray());
        Assert.Equal(new float[] { 0, 0 }, q.Grad!.ToArray());

        GradCheck.Assert(t => Tensor.Maximum(t[0], t[1]), [R(8, 3, 4), R(9, 4)]);
        GradCheck.Assert(t => Tensor.Minimum(t[0], t[1]), [R(10, 3, 1), R(11, 2, 1, 4)]);
    }
}
