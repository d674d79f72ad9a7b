using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class CoreBehaviourTests
{
    [Fact]
    public void ClampAtAndBeyondItsBounds()
    {
        var x = new Tensor([-2f, -1f, 0f, 0.5f, 1f, 2f], 6).RequireGrad();
        var y = Tensor.Clamp(x, -1f, 1f);
        Assert.Equal(new float[] { -1f, -1f, 0f, 0.5f, 1f, 1f }, y.ToArray());
        y.Backward(new Tensor([10f, 20f, 30f, 40f, 50f, 60f], 6));
        // Outside: zero; inside and exactly at a bound: passes.
        Assert.Equal(new float[] { 0f, 20f, 30f, 40f, 50f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void ReshapeInfersTheMinusOneDimensionAndSharesStorage()
    {
        var x = Tensor.Arange(24);
        Assert.Equal(new[] { 2, 3, 4 }, x.Reshape(2, -1, 4).ShapeArray());
        Assert.Equal(new[] { 6, 4 }, x.Reshape(-1, 4).ShapeArray());
        var view = x.Reshape(4, -1);
        x.Data[7] = 100f;
        Assert.Equal(100f, view.At(1, 1));
        var e = Assert.Throws<ShapeMismatchException>(() => x.Reshape(5, -1));
        Assert.Equal("Reshape: shapes [24] and [5, -1] are incompatible (cannot infer the -1 dimension)", e.Message);
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var x = new Tensor([1f, 2f], 2).RequireGrad();
        Tensor y;
        using (Tensor.NoGrad())
        {
            Assert.False(Tensor.IsGradEnabled);
            y = Tensor.Exp(x) * x;
        }
        Assert.True(Tensor.IsGradEnabled);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void DetachStopsTheGradient()
    {
        var x = new Tensor([3f], 1).RequireGrad();
        // d/dx (x · stop(x)) = stop(x) = 3, not 2x = 6.
        (x * x.Detach()).Sum().Backward();
        Assert.Equal(3f, x.Grad!.Item());
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        x.Data[0] = 5f;
        Assert.Equal(5f, d.Item()); // shares storage
    }

    [Fact]
    public void GeneratorIsReproducibleAndItsStateRoundTrips()
    {
        var a = new Generator(42); var b = new Generator(42); var c = new Generator(43);
        var sa = Enumerable.Range(0, 8).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(sa, Enumerable.Range(0, 8).Select(_ => b.NextUInt64()).ToArray());
        Assert.NotEqual(sa, Enumerable.Range(0, 8).Select(_ => c.NextUInt64()).ToArray());

        var g = new Generator(7);
        g.NextNormal(); // leaves a cached spare normal in the state
        var state = g.State;
        var text = g.SaveState();
        var expected = Enumerable.Range(0, 5).Select(_ => g.NextNormal()).Append(g.NextDouble()).ToArray();

        var h = new Generator(0) { State = state };
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => h.NextNormal()).Append(h.NextDouble()).ToArray());
        var k = new Generator(0);
        k.LoadState(text);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => k.NextNormal()).Append(k.NextDouble()).ToArray());
    }

    [Fact]
    public void TruncatedNormalStaysWithinTwoStandardDeviations()
    {
        var t = Tensor.TruncatedNormal(new Generator(3), [10000], mean: 1f, std: 0.5f).ToArray();
        Assert.All(t, v => Assert.InRange(v, 0f, 2f));
        Assert.InRange(t.Average(), 0.98, 1.02);
        // Truncation at 2σ leaves a standard deviation of about 0.88σ.
        double sd = Math.Sqrt(t.Select(v => (v - 1.0) * (v - 1.0)).Average());
        Assert.InRange(sd, 0.42, 0.46);
    }

    [Fact]
    public void GlorotUniformStaysWithinItsLimit()
    {
        var w = Tensor.GlorotUniform(new Generator(5), 30, 20).ToArray();
        float limit = MathF.Sqrt(6f / 50f);
        Assert.All(w, v => Assert.InRange(v, -limit, limit));
        Assert.True(w.Max() > 0.9f * limit && w.Min() < -0.9f * limit, "samples should fill the range");
        var e = Assert.Throws<ArgumentException>(() => Tensor.GlorotUniform(new Generator(5), 4));
        Assert.Equal("GlorotUniform: needs rank ≥ 2, got shape [4]", e.Message);
    }
}
