using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Training;

public class MinimizeTests
{
    [Fact]
    public void ClearsStaleGradientsClipsThenSteps()
    {
        // loss = p², ∂loss/∂p = 2p = 6 at p = 3; the stale gradient 100 must not be added in.
        // Global norm 6 is clipped to 3: p ← 3 − 0.1·3 = 2.7.
        var p = new Tensor([3f], 1).RequireGrad();
        p.Grad = new Tensor([100f], 1);
        var sgd = new Sgd(0.1f);

        float norm = sgd.Minimize(Tensor.Square(p).Sum(), [new("p", p)], maxGradNorm: 3f);

        Assert.Equal(6f, norm);
        Assert.Equal(2.7f, p.Item(), 6);
    }

    [Fact]
    public void WithoutAClipTheFullGradientIsApplied()
    {
        // p ← 3 − 0.1·6 = 2.4
        var p = new Tensor([3f], 1).RequireGrad();

        float norm = new Sgd(0.1f).Minimize(Tensor.Square(p).Sum(), [new("p", p)]);

        Assert.True(float.IsNaN(norm));
        Assert.Equal(2.4f, p.Item(), 6);
    }
}
