using Modules.Tensors;

namespace Modules.Dnc.Tests.Addressing;

public class CosineWeightsTests
{
    [Fact]
    public void MatchesDeepMindFigures_StrengthOneGoesThroughSoftplus()
    {
        // Raw strength 1 → softplus(1) = 1.3133 multiplies the similarities [0.9734, 0.9988, 1.0];
        // feeding β = 1 directly (no softplus) would give [0.3300, 0.3340, 0.3360] instead.
        var memory = new Tensor([1, 2, 3, 4, 5, 6], 1, 3, 2);
        var keys = new Tensor([5, 6], 1, 1, 2);
        var strengths = new Tensor([1], 1, 1);
        var w = CosineWeights.Compute(memory, keys, strengths);
        Assert.Equal([1, 1, 3], w.ShapeArray());
        FiniteDifference.AssertClose([0.325810f, 0.336804f, 0.337385f], w.Values, 0, 1e-5);
    }

    [Fact]
    public void RowsSumToOne_AndShapeIsBatchHeadsCells()
    {
        var rng = new Generator(1);
        var w = CosineWeights.Compute(Tensor.Normal(rng, [2, 5, 3]), Tensor.Normal(rng, [2, 4, 3]), Tensor.Normal(rng, [2, 4]));
        Assert.Equal([2, 4, 5], w.ShapeArray());
        for (int r = 0; r < 8; r++)
        {
            float s = 0;
            for (int i = 0; i < 5; i++) s += w.Values[r * 5 + i];
            Assert.Equal(1f, s, 1e-5f);
        }
    }

    [Fact]
    public void NoNaN_InOutputOrGradients_WhenMemoryIsZeroExceptOneRow()
    {
        var memory = Tensor.Zeros(1, 4, 3);
        for (int j = 0; j < 3; j++) memory.Data[2 * 3 + j] = 1f;
        memory.RequireGrad();
        var keys = Tensor.Zeros(1, 2, 3).RequireGrad();
        keys.Data[0] = 1f;
        var strengths = new Tensor([0.5f, -1f], 1, 2).RequireGrad();
        var w = CosineWeights.Compute(memory, keys, strengths);
        FiniteDifference.AssertFinite(w.Values, "weights");
        (w * new Tensor([1, 2, 3, 4, 5, 6, 7, 8], 1, 2, 4)).Sum().Backward();
        FiniteDifference.AssertFinite(memory.Grad!.Values, "dmemory");
        FiniteDifference.AssertFinite(keys.Grad!.Values, "dkeys");
        FiniteDifference.AssertFinite(strengths.Grad!.Values, "dstrengths");
    }

    [Fact]
    public void ConcentratesOnTheRowEqualToTheKey_WithHighStrength()
    {
        var rng = new Generator(5);
        var memory = Tensor.Normal(rng, [1, 6, 4]);
        var key = new Tensor(memory.Values.Slice(3 * 4, 4).ToArray(), 1, 1, 4);
        var w = CosineWeights.Compute(memory, key, new Tensor([100f], 1, 1));
        Assert.True(w.Values[3] > 0.99f, $"weight on the matching row {w.Values[3]}");
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var rng = new Generator(3);
        FiniteDifference.Check(x => CosineWeights.Compute(x[0], x[1], x[2]),
            [Tensor.Normal(rng, [2, 5, 3]), Tensor.Normal(rng, [2, 2, 3]), Tensor.Normal(rng, [2, 2])], eps: 1e-2f);
    }

    [Fact]
    public void WrongShapes_NameTheOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => CosineWeights.Compute(Tensor.Zeros(1, 3, 2), Tensor.Zeros(1, 1, 4), Tensor.Zeros(1, 1)));
        Assert.Contains("content_addressing", ex.Message);
        Assert.Contains("[1, 1, 4]", ex.Message);
        Assert.Contains("[1, 3, 2]", ex.Message);
    }
}
