using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class ClearGradTests
{
    // loss = Σ (w·x)², ∂/∂w = 2·x²·w.
    private static void Backward(Tensor w, Tensor x) => Tensor.Square(w * x).Sum().Backward();

    [Fact]
    public void TheNextBackwardWritesTheCorrectGradientIntoTheKeptBuffer()
    {
        var w = new Tensor([1f, 2f], 2).RequireGrad();
        Backward(w, new Tensor([3f, 1f], 2));
        var first = w.Grad!;
        Assert.Equal(new[] { 18f, 4f }, first.ToArray());

        w.ClearGrad();
        Assert.Null(w.Grad);
        Backward(w, new Tensor([1f, 2f], 2));
        Assert.Same(first, w.Grad);
        Assert.Equal(new[] { 2f, 16f }, w.Grad!.ToArray()); // overwritten, not added to the old 18, 4
    }

    [Fact]
    public void AGradientThroughACustomOpReusesTheBufferToo()
    {
        var w = new Tensor([1f, 2f], 2).RequireGrad();
        Tensor Doubled() => Tensor.Custom("Double", (w * 2f).Detach(), [w], g => [g * 2f]);
        Doubled().Sum().Backward();
        var first = w.Grad!;
        w.ClearGrad();
        (Doubled() * 3f).Sum().Backward();
        Assert.Same(first, w.Grad);
        Assert.Equal(new[] { 6f, 6f }, w.Grad!.ToArray());
    }

    [Fact]
    public void AGradientTheUserSet_IsNeverReused()
    {
        var w = new Tensor([1f, 2f], 2).RequireGrad();
        var mine = new Tensor([100f, 100f], 2);
        w.Grad = mine;
        w.ClearGrad();
        Backward(w, new Tensor([1f, 1f], 2));
        Assert.NotSame(mine, w.Grad);
        Assert.Equal(new[] { 100f, 100f }, mine.ToArray());
        Assert.Equal(new[] { 2f, 4f }, w.Grad!.ToArray());
    }

    [Fact]
    public void SettingGradToNullAfterClearGrad_DropsTheKeptBuffer()
    {
        var w = new Tensor([1f, 2f], 2).RequireGrad();
        Backward(w, new Tensor([3f, 1f], 2));
        var first = w.Grad!;
        w.ClearGrad();
        w.Grad = null;
        Backward(w, new Tensor([1f, 2f], 2));
        Assert.NotSame(first, w.Grad);
        Assert.Equal(new[] { 18f, 4f }, first.ToArray());
    }
}
