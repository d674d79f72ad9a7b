using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class SortAndIndexingTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    /// <summary>
    /// Random values at least 0.06 apart, so the ±0.01 finite-difference steps never reorder them
    /// (a sort is not differentiable where two values meet).
    /// </summary>
    private static Tensor Distinct(ulong seed, params int[] shape)
    {
        var rng = new Generator(seed);
        var t = Tensor.Zeros(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = 0.1f * i + 0.04f * (rng.NextFloat() - 0.5f);
        for (int i = d.Length - 1; i > 0; i--) { int j = rng.NextInt(0, i + 1); (d[i], d[j]) = (d[j], d[i]); }
        return t;
    }

    [Fact]
    public void SortIsStableWithTiesLowerIndexFirstInBothDirections()
    {
        var x = new Tensor([3f, 1f, 2f, 1f, 3f], 5);
        var (up, upIdx) = Tensor.Sort(x);
        Assert.Equal(new float[] { 1, 1, 2, 3, 3 }, up.ToArray());
        Assert.Equal(new[] { 1, 3, 2, 0, 4 }, upIdx);
        var (down, downIdx) = x.Sort(descending: true);
        Assert.Equal(new float[] { 3, 3, 2, 1, 1 }, down.ToArray());
        Assert.Equal(new[] { 0, 4, 2, 1, 3 }, downIdx);
    }

    [Fact]
    public void SortAlongAxisZeroOfAMatrix()
    {
        // Columns [5, 1, 5] and [0, 2, -1].
        var x = new Tensor([5f, 0f, 1f, 2f, 5f, -1f], 3, 2);
        var (v, idx) = Tensor.Sort(x, 0, descending: true);
        Assert.Equal(new float[] { 5, 2, 5, 0, 1, -1 }, v.ToArray());
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 2 }, idx);
    }

    [Fact]
    public void SortGradientIsScatteredBackThroughTheIndices()
    {
        var x = new Tensor([0.3f, -1f, 2f], 3).RequireGrad();
        var (v, _) = Tensor.Sort(x);
        v.Backward(new Tensor([10f, 20f, 30f], 3));
        Assert.Equal(new float[] { 20f, 10f, 30f }, x.Grad!.ToArray());
        GradCheck.Assert(t => Tensor.Sort(t[0], 1, descending: true).Values, [Distinct(1, 3, 5, 2)]);
        GradCheck.Assert(t => Tensor.Sort(t[0]).Values, [Distinct(2, 4, 6)]);
    }

    [Fact]
    public void TopKWithTiesTakesLowerIndicesFirst()
    {
        var x = new Tensor([1f, 5f, 5f, 2f, 5f], 5);
        var (big, bigIdx) = Tensor.TopK(x, 2);
        Assert.Equal(new float[] { 5, 5 }, big.ToArray());
        Assert.Equal(new[] { 1, 2 }, bigIdx);
        var (small, smallIdx) = Tensor.TopK(new Tensor([2f, 1f, 1f, 3f], 4), 2, largest: false);
        Assert.Equal(new float[] { 1, 1 }, small.ToArray());
        Assert.Equal(new[] { 1, 2 }, smallIdx);
        var (rows, rowIdx) = new Tensor([1f, 4f, 4f, 9f, 0f, 9f], 2, 3).TopK(1);
        Assert.Equal(new[] { 2, 1 }, rows.ShapeArray());
        Assert.Equal(new float[] { 4, 9 }, rows.ToArray());
        Assert.Equal(new[] { 1, 0 }, rowIdx);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.TopK(x, 6));
        Assert.StartsWith("TopK: k = 6 is outside [0, 5] for axis -1 of shape [5]", e.Message);
    }

    [Fact]
    public void TopKGradients()
    {
        GradCheck.Assert(t => Tensor.TopK(t[0], 3).Values, [Distinct(3, 4, 6)]);
        GradCheck.Assert(t => Tensor.TopK(t[0], 2, axis: 0, largest: false).Values, [Distinct(4, 5, 3)]);
    }

    [Fact]
    public void GatherMatchesTorchSemanticsAndAccumulatesRepeatedIndices()
    {
        var t = new Tensor([1f, 2f, 3f, 4f], 2, 2).RequireGrad();
        var g = Tensor.Gather(t, 1, [0, 0, 1, 0]);
        Assert.Equal(new float[] { 1, 1, 4, 3 }, g.ToArray());
        g.Sum().Backward();
        Assert.Equal(new float[] { 2, 0, 1, 1 }, t.Grad!.ToArray());

        // A smaller index shape along the other dims, and the tensor-index overload.
        var m = Tensor.Arange(12).Reshape(3, 4);
        var picked = Tensor.Gather(m, 0, new Tensor([2f, 0f, 1f], 1, 3));
        Assert.Equal(new[] { 1, 3 }, picked.ShapeArray());
        Assert.Equal(new float[] { 8, 1, 6 }, picked.ToArray());
        Assert.Equal(new float[] { 3, 5, 8 }, m.Gather(1, [3, 1, 0], [3, 1]).ToArray());
    }

    [Fact]
    public void GatherGradients() =>
        GradCheck.Assert(t => Tensor.Gather(t[0], 1, [2, 2, 0, 1, 1, 1, 0, 0], [2, 4]), [R(5, 2, 3)]);

    [Fact]
    public void GatherRejectsIndicesOutsideTheAxis()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Gather(Tensor.Zeros(2, 3), 1, [0, 3, 1, 1, 2, 0]));
        Assert.StartsWith("Gather: index 3 at position 1 is out of range for axis 1 of shape [2, 3]", e.Message);
    }

    [Fact]
    public void ScatterMatchesTorchSemanticsAndUndoesASort()
    {
        var src = new Tensor([1f, 2f, 3f, 4f], 1, 4);
        var s = Tensor.Scatter(src, 0, [0, 1, 2, 0], [3, 5]);
        Assert.Equal(new float[] { 1, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0 }, s.ToArray());

        var x = R(6, 3, 5);
        var (sorted, idx) = Tensor.Sort(x, 1);
        Assert.Equal(x.ToArray(), Tensor.Scatter(sorted, 1, idx, [3, 5]).ToArray());
    }

    [Fact]
    public void ScatterWithRepeatedIndicesLastWriteWinsAndOnlyItGetsTheGradient()
    {
        var src = new Tensor([1f, 2f, 3f], 3).RequireGrad();
        var target = new Tensor([10f, 20f, 30f], 3).RequireGrad();
        var s = Tensor.Scatter(src, 0, [2, 0, 2], target);
        Assert.Equal(new float[] { 2, 20, 3 }, s.ToArray());
        s.Backward(new Tensor([5f, 6f, 7f], 3));
        Assert.Equal(new float[] { 0, 5, 7 }, src.Grad!.ToArray());
        Assert.Equal(new float[] { 0, 6, 0 }, target.Grad!.ToArray());
    }

    [Fact]
    public void ScatterGradients()
    {
        GradCheck.Assert(t => Tensor.Scatter(t[0], 1, [1, 1, 3, 0, 2, 0], t[1]), [R(7, 2, 3), R(8, 2, 4)]);
        GradCheck.Assert(t => Tensor.Scatter(t[0], 0, new Tensor([2f, 0f, 1f, 1f], 2, 2), t[1]), [R(9, 2, 2), R(10, 3, 2)]);
    }

    [Fact]
    public void ScatterAddAccumulatesRepeatedIndices()
    {
        var src = new Tensor([1f, 2f, 3f], 3);
        Assert.Equal(new float[] { 12f, 20f, 34f }, Tensor.ScatterAdd(src, 0, [2, 0, 2], new Tensor([10f, 20f, 30f], 3)).ToArray());
        GradCheck.Assert(t => Tensor.ScatterAdd(t[0], 1, [1, 1, 3, 0, 2, 0], t[1]), [R(11, 2, 3), R(12, 2, 4)]);
    }
}
