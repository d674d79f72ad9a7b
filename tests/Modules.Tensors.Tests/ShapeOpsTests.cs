using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class ShapeOpsTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    [Fact]
    public void ConcatAlongEachAxisMatchesHandComputed()
    {
        var a = new Tensor([1f, 2f, 3f, 4f], 2, 2);
        var b = new Tensor([5f, 6f], 2, 1);
        var c = Tensor.Concat(1, a, b);
        Assert.Equal(new[] { 2, 3 }, c.ShapeArray());
        Assert.Equal(new float[] { 1, 2, 5, 3, 4, 6 }, c.ToArray());
        var d = Tensor.Concat(0, a, new Tensor([7f, 8f], 1, 2));
        Assert.Equal(new float[] { 1, 2, 3, 4, 7, 8 }, d.ToArray());
    }

    [Fact]
    public void ConcatGradients()
    {
        GradCheck.Assert(x => Tensor.Concat(1, x[0], x[1], x[2]), [R(1, 2, 3, 4), R(2, 2, 1, 4), R(3, 2, 2, 4)]);
        GradCheck.Assert(x => Tensor.Concat(-1, x[0], x[1]), [R(4, 3, 2), R(5, 3, 3)]);
    }

    [Fact]
    public void ConcatShapeErrorText()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.Concat(1, Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)));
        Assert.Equal("Concat: shapes [2, 3] and [3, 3] differ outside axis 1", e.Message);
        var e2 = Assert.Throws<ShapeMismatchException>(() => Tensor.Concat(0, Tensor.Zeros(2, 3), Tensor.Zeros(3)));
        Assert.Equal("Concat: shapes [2, 3] and [3] have different ranks", e2.Message);
    }

    [Fact]
    public void StackInsertsANewAxis()
    {
        var a = new Tensor([1f, 2f, 3f, 4f], 2, 2);
        var b = new Tensor([5f, 6f, 7f, 8f], 2, 2);
        var s = Tensor.Stack(1, a, b);
        Assert.Equal(new[] { 2, 2, 2 }, s.ShapeArray());
        Assert.Equal(new float[] { 1, 2, 5, 6, 3, 4, 7, 8 }, s.ToArray());
        Assert.Equal(new[] { 2, 2, 2 }, Tensor.Stack(-1, a, b).ShapeArray());
        Assert.Equal(new float[] { 1, 5, 2, 6, 3, 7, 4, 8 }, Tensor.Stack(-1, a, b).ToArray());
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.Stack(0, a, Tensor.Zeros(2, 3)));
        Assert.Equal("Stack: shapes [2, 2] and [2, 3] do not match", e.Message);
    }

    [Fact]
    public void StackGradients() =>
        GradCheck.Assert(x => Tensor.Stack(1, x[0], x[1]), [R(1, 3, 4), R(2, 3, 4)]);

    [Fact]
    public void UnstackGradients() =>
        GradCheck.Assert(x =>
        {
            var parts = x[0].Unstack(1);   // [2, 4] each, taken straight from the slices
            return parts[0] * 2f + parts[2] * parts[1];
        }, [R(3, 2, 3, 4)]);

    [Fact]
    public void StackOnTheLastAxisGradients() =>
        GradCheck.Assert(x => Tensor.Stack(-1, x[0], x[1], x[0]), [R(4, 2, 3), R(5, 2, 3)]);

    [Fact]
    public void SplitAndSliceMatchHandComputed()
    {
        var x = Tensor.Arange(12).Reshape(2, 6);
        var parts = x.Split(1, 1, 3, 2);
        Assert.Equal(3, parts.Length);
        Assert.Equal(new float[] { 0, 6 }, parts[0].ToArray());
        Assert.Equal(new[] { 2, 3 }, parts[1].ShapeArray());
        Assert.Equal(new float[] { 1, 2, 3, 7, 8, 9 }, parts[1].ToArray());
        Assert.Equal(new float[] { 4, 5, 10, 11 }, parts[2].ToArray());
        Assert.Equal(new float[] { 6, 7, 8, 9, 10, 11 }, x.Slice(0, 1, 1).ToArray());
        Assert.Equal(new[] { 2, 0 }, x.Slice(-1, 6, 0).ShapeArray());
    }

    [Fact]
    public void SplitAndSliceErrorsNameOpAxisAndShape()
    {
        var x = Tensor.Zeros(2, 6);
        var e = Assert.Throws<ArgumentException>(() => x.Split(1, 2, 3));
        Assert.Equal("Split: sizes [2, 3] add up to 5, but axis 1 of shape [2, 6] has length 6", e.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => x.Slice(1, 4, 3));
        Assert.StartsWith("Slice: range [4, 7) is outside axis 1 of shape [2, 6]", e2.Message);
    }

    [Fact]
    public void SplitAndSliceGradients()
    {
        GradCheck.Assert(x => { var p = x[0].Split(1, 2, 1, 2); return p[0] * p[2] + p[1]; }, [R(1, 3, 5, 2)]);
        GradCheck.Assert(x => x[0].Slice(0, 1, 2), [R(2, 4, 3)]);
    }

    [Fact]
    public void UnsqueezeAndSqueezeChangeOnlyTheShape()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal(new[] { 2, 1, 3 }, x.Unsqueeze(1).ShapeArray());
        Assert.Equal(new[] { 2, 3, 1 }, x.Unsqueeze(-1).ShapeArray());
        Assert.Equal(new[] { 1, 2, 3 }, x.Unsqueeze(0).ShapeArray());
        Assert.Equal(new[] { 2, 3 }, x.Unsqueeze(1).Squeeze(1).ShapeArray());
        Assert.Equal(x.ToArray(), x.Unsqueeze(2).ToArray());
        var e = Assert.Throws<ArgumentException>(() => x.Squeeze(0));
        Assert.Equal("Squeeze: axis 0 of shape [2, 3] has size 2, not 1", e.Message);
        GradCheck.Assert(t => t[0].Unsqueeze(1).Squeeze(-1), [R(3, 2, 3, 1)]);
    }

    [Fact]
    public void ExpandBroadcastsAndGradientSumsBack()
    {
        var x = new Tensor([1f, 2f], 2, 1);
        var y = x.Expand(3, 2, 3);
        Assert.Equal(new[] { 3, 2, 3 }, y.ShapeArray());
        Assert.Equal(new float[] { 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2 }, y.ToArray());
        Assert.Equal(new[] { 2, 4 }, x.Expand(-1, 4).ShapeArray());
        x.RequireGrad();
        x.Expand(3, 2, 3).Sum().Backward();
        Assert.Equal(new float[] { 9f, 9f }, x.Grad!.ToArray());
        GradCheck.Assert(t => t[0].Expand(2, 3, 4), [R(4, 3, 1)]);
        GradCheck.Assert(t => t[0].Expand(4, 3), [R(5, 1, 3)]);
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3).Expand(2, 4));
        Assert.Equal("Expand: shapes [2, 3] and [2, 4] cannot be broadcast", e.Message);
    }

    [Fact]
    public void SelectAndUnstackRemoveTheAxis()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        var s = x.Select(1, 2);
        Assert.Equal(new[] { 2, 4 }, s.ShapeArray());
        Assert.Equal(new float[] { 8, 9, 10, 11, 20, 21, 22, 23 }, s.ToArray());
        Assert.Equal(s.ToArray(), x.Select(-2, -1).ToArray());
        var parts = x.Unstack(0);
        Assert.Equal(2, parts.Length);
        Assert.Equal(new[] { 3, 4 }, parts[1].ShapeArray());
        Assert.Equal(Tensor.Arange(12, 12f).ToArray(), parts[1].ToArray());
        Assert.Equal(x.ToArray(), Tensor.Stack(2, x.Unstack(2)).ToArray());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Select(2, 4));
        Assert.StartsWith("Select: index 4 is outside axis 2 of shape [2, 3, 4]", e.Message);
        GradCheck.Assert(t => t[0].Select(1, 1) * t[0].Select(0, 0), [R(6, 3, 3)]);
        GradCheck.Assert(t => { var p = t[0].Unstack(-1); return p[0] - p[2] * p[1]; }, [R(7, 2, 3)]);
    }
}
