using Modules.Tensors;

namespace Modules.Tests.Core;

/// <summary>A generic state: a counter next to any other state (here an <see cref="LstmState"/>).</summary>
[State]
public readonly partial record struct Counted<TInner>(Tensor Count, TInner Inner) where TInner : struct, IState<TInner>;

public class GenericStateTests
{
    private static Counted<LstmState> Sample() => new(
        new Tensor([1f, 2f], 2, 1),
        new LstmState(new Tensor([3f, 4f, 5f, 6f], 2, 2), new Tensor([7f, 8f, 9f, 10f], 2, 2)));

    [Fact]
    public void PathsPrefixTheTypeArgumentsPaths()
    {
        Assert.Equal(["count", "inner/hidden", "inner/cell"], Counted<LstmState>.Paths);
        Assert.Equal(["count", "inner/count", "inner/inner/hidden", "inner/inner/cell"], Counted<Counted<LstmState>>.Paths);
    }

    [Fact]
    public void FlattenUnflattenRoundTrips()
    {
        var state = Sample();
        var flat = state.Flatten();
        Assert.Equal(3, flat.Count);
        Assert.Same(state.Count, flat[0]);
        Assert.Same(state.Inner.Hidden, flat[1]);
        Assert.Same(state.Inner.Cell, flat[2]);
        Assert.Equal(state, Counted<LstmState>.Unflatten(flat));

        var nested = new Counted<Counted<LstmState>>(Tensor.Zeros(2, 1), state);
        var back = Counted<Counted<LstmState>>.Unflatten(nested.Flatten());
        Assert.Same(state.Inner.Cell, back.Inner.Inner.Cell);
        var ex = Assert.Throws<ArgumentException>(() => Counted<LstmState>.Unflatten(flat.Take(2).ToArray()));
        Assert.Contains("Counted.Unflatten: expected 3 tensors, got 2", ex.Message);
    }

    [Fact]
    public void MapAndZipReachTheNestedState()
    {
        var a = Sample();
        var sum = Counted<LstmState>.Zip(a, a.Map(t => t * 10f), (x, y) => x + y);
        Assert.Equal([11f, 22f], sum.Count.ToArray());
        Assert.Equal([33f, 44f, 55f, 66f], sum.Inner.Hidden.ToArray());
        Assert.Equal([77f, 88f, 99f, 110f], sum.Inner.Cell.ToArray());
    }

    [Fact]
    public void DetachAndJsonCoverEveryTensor()
    {
        var leaf = Tensor.Ones(2, 2).RequireGrad();
        var state = new Counted<LstmState>(Tensor.Zeros(2, 1), new LstmState(leaf * 2f, leaf * 3f));
        var detached = state.Detach();
        Assert.False(detached.Inner.Hidden.RequiresGrad);
        Assert.False(detached.Inner.Cell.RequiresGrad);
        Assert.Equal([3f, 3f, 3f, 3f], detached.Inner.Cell.ToArray());
        Assert.Contains("\"inner/cell\"", state.ToJson());
    }
}
