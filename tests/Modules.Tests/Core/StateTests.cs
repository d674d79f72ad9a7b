using System.Text.Json;
using Modules.Tensors;

namespace Modules.Tests.Core;

public class StateTests
{
    private static TreeState Sample() => new(
        new Tensor([1, 2, 3, 4], 2, 2),
        new ToyState(new Tensor([5, 6], 2, 1), new Tensor([7], 1, 1)),
        new Tensor([8, 9], 2));

    [Fact]
    public void PathsFollowDeclarationOrderDepthFirst()
    {
        Assert.Equal(["memory_words", "controller/hidden", "controller/steps", "usage"], TreeState.Paths);
        Assert.Equal(["hidden", "steps"], ToyState.Paths);
        Assert.Equal(["first", "second_one"], PlainState.Paths);
    }

    [Fact]
    public void FlattenUnflattenRoundTrips()
    {
        var state = Sample();
        var flat = state.Flatten();
        Assert.Equal(4, flat.Count);
        Assert.Same(state.MemoryWords, flat[0]);
        Assert.Same(state.Controller.Hidden, flat[1]);
        Assert.Same(state.Controller.Steps, flat[2]);
        Assert.Same(state.Usage, flat[3]);

        var back = TreeState.Unflatten(flat);
        Assert.Equal(state, back);
        Assert.Throws<ArgumentException>(() => TreeState.Unflatten(flat.Take(3).ToArray()));
    }

    [Fact]
    public void NonPositionalStateRoundTrips()
    {
        var state = new PlainState { First = Tensor.Ones(1), SecondOne = Tensor.Zeros(2) };
        var back = PlainState.Unflatten(state.Flatten());
        Assert.Same(state.First, back.First);
        Assert.Same(state.SecondOne, back.SecondOne);
        Assert.Equal([2f], state.Map(t => t + 1f).First.ToArray());
    }

    [Fact]
    public void MapAndZipApplyToEveryTensor()
    {
        var a = Sample();
        var doubled = a.Map(t => t * 2f);
        Assert.Equal([2f, 4f, 6f, 8f], doubled.MemoryWords.ToArray());
        Assert.Equal([14f], doubled.Controller.Steps.ToArray());

        var sum = TreeState.Zip(a, doubled, (x, y) => x + y);
        Assert.Equal([3f, 6f, 9f, 12f], sum.MemoryWords.ToArray());
        Assert.Equal([15f, 18f], sum.Controller.Hidden.ToArray());
        Assert.Equal([24f, 27f], sum.Usage.ToArray());
    }

    [Fact]
    public void DetachCutsGradientsButKeepsValues()
    {
        var leaf = Tensor.Ones(2, 1).RequireGrad();
        var state = new ToyState(leaf * 3f, Tensor.Zeros(1, 1));
        Assert.True(state.Hidden.RequiresGrad);
        var detached = state.Detach();
        Assert.False(detached.Hidden.RequiresGrad);
        Assert.Equal([3f, 3f], detached.Hidden.ToArray());
    }

    [Fact]
    public void ToJsonWritesShapesAndValuesByPath()
    {
        using var doc = JsonDocument.Parse(Sample().ToJson());
        var root = doc.RootElement;
        Assert.Equal(["memory_words", "controller/hidden", "controller/steps", "usage"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal([2, 1], root.GetProperty("controller/hidden").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([1f, 2f, 3f, 4f], root.GetProperty("memory_words").GetProperty("values").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public void ToJsonWritesNonFiniteValuesAsNamedLiterals()
    {
        var state = new ToyState(new Tensor([float.NaN, float.PositiveInfinity], 2, 1), new Tensor([float.NegativeInfinity], 1, 1));
        var options = new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        using var doc = JsonDocument.Parse(state.ToJson());
        var hidden = doc.RootElement.GetProperty("hidden").GetProperty("values").GetRawText();
        var steps = doc.RootElement.GetProperty("steps").GetProperty("values").GetRawText();
        Assert.Equal("[\"NaN\",\"Infinity\"]", hidden);
        var values = JsonSerializer.Deserialize<float[]>(hidden, options)!;
        Assert.True(float.IsNaN(values[0]));
        Assert.Equal(float.PositiveInfinity, values[1]);
        Assert.Equal([float.NegativeInfinity], JsonSerializer.Deserialize<float[]>(steps, options)!);
    }
}
