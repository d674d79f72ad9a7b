using Modules.Tensors;
using Modules.Training;
using static Modules.Tests.Training.OptimizerRuns;

namespace Modules.Tests.Training;

public class SgdTests
{
    [Fact]
    public void PlainSgdSubtractsLearningRateTimesGradient()
    {
        // lr 0.1: p1 = [1 − 0.05, −2 − 0.2] = [0.95, −2.2]; p2 = [0.95 + 0.1, −2.2 − 0] = [1.05, −2.2];
        // p3 = [1.05 − 0.2, −2.2 + 0.05] = [0.85, −2.15].
        var actual = RunThreeSteps(new Sgd(0.1f));
        AssertSteps([[0.95f, -2.2f], [1.05f, -2.2f], [0.85f, -2.15f]], actual);
    }

    [Fact]
    public void MomentumAccumulatesTheBuffer()
    {
        // lr 0.1, momentum 0.9. buf1 = g1 = [0.5, 2] → p1 = [0.95, −2.2].
        // buf2 = 0.9·[0.5, 2] + [−1, 0] = [−0.55, 1.8] → p2 = [0.95 + 0.055, −2.2 − 0.18] = [1.005, −2.38].
        // buf3 = 0.9·[−0.55, 1.8] + [2, −0.5] = [1.505, 1.12] → p3 = [1.005 − 0.1505, −2.38 − 0.112] = [0.8545, −2.492].
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        var actual = RunThreeSteps(sgd);
        AssertSteps([[0.95f, -2.2f], [1.005f, -2.38f], [0.8545f, -2.492f]], actual);
        var slots = sgd.Slots.ToList();
        Assert.Equal(["sgd/step", "sgd/momentum/net/w"], slots.Select(s => s.Key));
        Assert.Equal(3f, slots[0].Value.Item());
        Assert.Equal([1.505f, 1.12f], slots[1].Value.ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void ParametersWithoutGradientAreLeftAlone()
    {
        var withGrad = new Tensor([1f], 1).RequireGrad();
        var without = new Tensor([5f], 1).RequireGrad();
        withGrad.Grad = new Tensor([2f], 1);
        new Sgd(0.5f).Step([new("a", withGrad), new("b", without)]);
        Assert.Equal(0f, withGrad.Item());
        Assert.Equal(5f, without.Item());
    }

    [Fact]
    public void GradientOfTheWrongShapeIsRejectedNamingThePath()
    {
        var p = new Tensor([1f, 2f], 2).RequireGrad();
        p.Grad = new Tensor([1f, 2f, 3f], 3);
        var error = Assert.Throws<ShapeMismatchException>(() => new Sgd(0.1f).Step([new("net/linear/w", p)]));
        Assert.Equal("sgd.Step: the gradient of net/linear/w must be [2] (the parameter's shape), got [3]", error.Message);
    }

    [Fact]
    public void NonPositiveLearningRateIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 1f));
    }
}
