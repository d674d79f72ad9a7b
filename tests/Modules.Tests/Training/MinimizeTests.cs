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

    /// <summary>ZeroGrad over a list (what NamedParameters returns) allocates no enumerator, and clears every gradient.</summary>
    [Fact]
    public void ZeroGradOverAListAllocatesNothing()
    {
        var p = new Tensor([3f], 1).RequireGrad();
        var q = new Tensor([1f, 2f], 2).RequireGrad();
        IReadOnlyList<KeyValuePair<string, Tensor>> parameters = [new("p", p), new("q", q)];
        Optimizer.ZeroGrad(parameters);
        p.Grad = new Tensor([1f], 1);
        q.Grad = new Tensor([1f, 1f], 2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Optimizer.ZeroGrad(parameters);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Null(p.Grad);
        Assert.Null(q.Grad);
    }
}
