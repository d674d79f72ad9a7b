using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class SoftmaxCrossEntropyTests
{
    [Fact]
    public void HandComputedLossAndGradientOverTwoGroupsWithAMaskedEntry()
    {
        // T = 1, B = 2, two 2-way groups. Entry 0: group 0 logits (0, 0) target 0 → ln 2; group 1 logits (ln 3, 0)
        // target 1 → −ln(1/4) = ln 4. Entry 1 is masked out. Loss = (ln 2 + ln 4) / B = 1.5 ln 2.
        var logits = new Tensor([0f, 0f, MathF.Log(3f), 0f, 5f, -5f, 7f, 1f], 1, 2, 4).RequireGrad();
        var targets = new Tensor([1f, 0f, 0f, 1f, 0f, 1f, 0f, 1f], 1, 2, 4);
        var mask = new Tensor([1f, 0f], 1, 2);
        var loss = Tensor.SoftmaxCrossEntropy(logits, targets, mask, classes: 2);
        Assert.Equal(1.5 * Math.Log(2), loss.Item(), 6);
        loss.Backward();
        // mask/B · (softmax − z): group 0 (0.5 − 1, 0.5) / 2, group 1 (0.75, 0.25 − 1) / 2; the masked entry gets zero.
        var expected = new[] { -0.25f, 0.25f, 0.375f, -0.375f, 0f, 0f, 0f, 0f };
        var got = logits.Grad!.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 6);
    }

    [Fact]
    public void StaysFiniteForHugeLogits()
    {
        var logits = new Tensor([1000f, -1000f, 0f], 1, 1, 3);
        var right = Tensor.SoftmaxCrossEntropy(logits, new Tensor([1f, 0f, 0f], 1, 1, 3), Tensor.Ones(1, 1), 3);
        var wrong = Tensor.SoftmaxCrossEntropy(logits, new Tensor([0f, 1f, 0f], 1, 1, 3), Tensor.Ones(1, 1), 3);
        Assert.Equal(0f, right.Item());
        Assert.Equal(2000f, wrong.Item());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        // T = 3, B = 2, three 4-way groups; soft targets and fractional mask weights exercise the general formula.
        var mask = new Tensor([1f, 0f, 0.5f, 1f, 0f, 1f], 3, 2);
        GradCheck.Assert(t => Tensor.SoftmaxCrossEntropy(t[0], t[1], mask, 4),
            [Tensor.Uniform(new Generator(11), [3, 2, 12], -2f, 2f), Tensor.Uniform(new Generator(12), [3, 2, 12], 0f, 1f)],
            eps: 1e-2f, rtol: 1e-2, atol: 1e-3);
    }

    [Fact]
    public void ShapeErrorsNameTheOpAndShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() =>
            Tensor.SoftmaxCrossEntropy(Tensor.Zeros(2, 3, 10), Tensor.Zeros(2, 3, 10), Tensor.Zeros(2, 3), 3));
        Assert.Equal("SoftmaxCrossEntropy: logits must be [2, 3, ?] (F a whole number of groups of 3 classes), got [2, 3, 10]", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() =>
            Tensor.SoftmaxCrossEntropy(Tensor.Zeros(2, 3, 10), Tensor.Zeros(2, 3, 10), Tensor.Zeros(3, 2), 10));
        Assert.Equal("SoftmaxCrossEntropy: shapes [2, 3, 10] and [3, 2] do not fit: the mask must be [T, B] of logits [T, B, F]", e.Message);
    }

    [Fact]
    public void GroupArgmaxMatchesNeedsEveryGroupRight()
    {
        // Three steps of two 3-way groups: both right; the second group wrong; a tie resolved to the first class (right).
        var logits = new Tensor([0f, 2f, 1f, 5f, 0f, 0f, /**/ 0f, 2f, 1f, 0f, 0f, 5f, /**/ 1f, 1f, 0f, 0f, 3f, 3f], 3, 1, 6);
        var targets = new Tensor([0f, 1f, 0f, 1f, 0f, 0f, /**/ 0f, 1f, 0f, 1f, 0f, 0f, /**/ 1f, 0f, 0f, 0f, 1f, 0f], 3, 1, 6);
        Assert.Equal(new[] { true, false, true }, Tensor.GroupArgmaxMatches(logits, targets, 3));
    }
}
