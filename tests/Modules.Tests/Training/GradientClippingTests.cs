using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Training;

public class GradientClippingTests
{
    [Fact]
    public void GradientsAboveTheLimitAreScaledToIt()
    {
        // global norm = √(3² + 4² + 12²) = √169 = 13; scale = 6.5 / max(13, 6.5) = 0.5.
        var a = new Tensor([3f, 4f], 2);
        var b = new Tensor([12f], 1, 1);
        float norm = GradientClipping.ClipByGlobalNorm([a, null, b], 6.5f);
        Assert.Equal(13f, norm);
        Assert.Equal([1.5f, 2f], a.ToArray());
        Assert.Equal([6f], b.ToArray());
    }

    [Fact]
    public void GradientsWithinTheLimitAreUnchanged()
    {
        var a = new Tensor([3f, 4f], 2);
        float norm = GradientClipping.ClipByGlobalNorm([a], 50f);
        Assert.Equal(5f, norm);
        Assert.Equal([3f, 4f], a.ToArray());
    }

    [Fact]
    public void ParameterGradientsAreClippedTogether()
    {
        // norm = √(6² + 8²) = 10; limit 5 → scale 0.5. The parameter without gradient is skipped.
        var p = new Tensor([0f, 0f], 2).RequireGrad();
        var q = Tensor.Zeros(1).RequireGrad();
        p.Grad = new Tensor([6f, 8f], 2);
        float norm = GradientClipping.ClipGradientsByGlobalNorm([new("a", p), new("b", q)], 5f);
        Assert.Equal(10f, norm);
        Assert.Equal([3f, 4f], p.Grad.ToArray());
        Assert.Null(q.Grad);
    }

    [Fact]
    public void NonPositiveLimitIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm([Tensor.Ones(1)], 0f));
}
