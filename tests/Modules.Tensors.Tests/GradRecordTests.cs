using Modules.Tensors;

namespace Modules.Tensors.Tests;

/// <summary>
/// A tensor keeps its gradient state (requires-grad, gradient, kept buffer) in a record of its own or in its node; these
/// tests walk every transition of that state.
/// </summary>
public class GradRecordTests
{
    [Fact]
    public void AGradientSetOnAPlainLeafDoesNotMakeItRequireOne()
    {
        var t = new Tensor([1f, 2f], 2);
        Assert.False(t.RequiresGrad);
        t.Grad = new Tensor([3f, 4f], 2);
        Assert.False(t.RequiresGrad);
        Assert.True(t.IsLeaf);
        Assert.Equal(new[] { 3f, 4f }, t.Grad!.ToArray());
        t.Grad = null;
        Assert.Null(t.Grad);
        t.ClearGrad();
        Assert.Null(t.Grad);
    }

    [Fact]
    public void RequireGradFalseStopsGradientsButKeepsTheLastOne()
    {
        var w = new Tensor([2f], 1).RequireGrad();
        (w * 3f).Sum().Backward();
        Assert.Equal(new[] { 3f }, w.Grad!.ToArray());
        w.RequireGrad(false);
        Assert.False(w.RequiresGrad);
        Assert.Equal(new[] { 3f }, w.Grad!.ToArray());
        var y = w * 5f;
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        w.RequireGrad();
        (w * 7f).Sum().Backward();
        Assert.Equal(new[] { 10f }, w.Grad!.ToArray());   // accumulated onto the kept 3
    }

    [Fact]
    public void AnOpResultIsNoLeafAndItsIntermediateGradientIsDroppedAfterBackward()
    {
        var w = new Tensor([1f, -1f], 2).RequireGrad();
        var h = w * 2f;
        Assert.False(h.IsLeaf);
        Assert.True(h.RequiresGrad);
        (h * h).Sum().Backward();   // d/dw Σ (2w)² = 8w
        Assert.Equal(new[] { 8f, -8f }, w.Grad!.ToArray());
        Assert.Null(h.Grad);
        Assert.False(h.Detach().RequiresGrad);
        Assert.True(h.Detach().IsLeaf);
    }

    [Fact]
    public void ASetGradientIsNotReusedAfterClearGradButAComputedOneIs()
    {
        var w = new Tensor([1f], 1).RequireGrad();
        var mine = new Tensor([5f], 1);
        w.Grad = mine;
        w.ClearGrad();
        (w * 2f).Sum().Backward();
        Assert.NotSame(mine, w.Grad);
        Assert.Equal(new[] { 5f }, mine.ToArray());
        Assert.Equal(new[] { 2f }, w.Grad!.ToArray());
        var computed = w.Grad;
        w.ClearGrad();
        (w * 4f).Sum().Backward();
        Assert.Same(computed, w.Grad);
        Assert.Equal(new[] { 4f }, w.Grad!.ToArray());
    }
}
