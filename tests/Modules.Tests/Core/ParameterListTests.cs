using Modules.Tensors;

namespace Modules.Tests.Core;

/// <summary>
/// <see cref="Module.NamedParameters"/> keeps its list between calls; these tests change the tree in every way that
/// changes the list and check that the kept list is never handed out for a changed tree.
/// </summary>
public class ParameterListTests
{
    private static string[] Keys(Module m) => m.NamedParameters().Select(p => p.Key).ToArray();

    [Fact]
    public void AnUnchangedTreeGetsTheSameListWithoutAllocating()
    {
        var model = new TwoDense("net");
        model.Forward(Tensor.Ones(1, 2));
        var first = model.NamedParameters();
        Assert.Same(first, model.NamedParameters());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var again = model.NamedParameters();
        for (int i = 0; i < 9; i++) again = model.NamedParameters();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(first, again);
        Assert.Equal(0, allocated);
        Assert.Equal(["net/dense/w", "net/dense/b", "net/dense_1/w", "net/dense_1/b"], again.Select(p => p.Key));
        Assert.Throws<NotSupportedException>(() => ((IList<KeyValuePair<string, Tensor>>)again).Clear());
    }

    [Fact]
    public void ParametersCreatedLaterAreListed()
    {
        var model = new TwoDense("net");
        Assert.Empty(model.NamedParameters());
        model.First.Forward(Tensor.Ones(1, 2));
        Assert.Equal(["net/dense/w", "net/dense/b"], Keys(model));
        model.Second.Forward(Tensor.Ones(1, 3));
        Assert.Equal(["net/dense/w", "net/dense/b", "net/dense_1/w", "net/dense_1/b"], Keys(model));
    }

    [Fact]
    public void SetParameterIntoAnEmptySlotIsListed()
    {
        var dense = new Dense(2, "d");
        Assert.Empty(dense.NamedParameters());
        var w = Tensor.Ones(3, 2);
        dense.SetParameter("d/w", w);
        var listed = dense.NamedParameters();
        Assert.Equal(["d/w"], listed.Select(p => p.Key));
        Assert.Same(w, listed[0].Value);
    }

    [Fact]
    public void ASwappedChildIsListedUnderItsPath()
    {
        var left = new Dense(1, "left");
        var right = new Dense(1, "right");
        left.Forward(Tensor.Ones(1, 2));
        right.Forward(Tensor.Ones(1, 2));
        var wrapper = new Wrapper(left, "top");
        Assert.Equal(["top/left/w", "top/left/b"], Keys(wrapper));
        wrapper.SwapInner(right);
        var listed = wrapper.NamedParameters();
        Assert.Equal(["top/right/w", "top/right/b"], listed.Select(p => p.Key));
        Assert.Same(right.NamedParameters()[0].Value, listed[0].Value);
    }

    [Fact]
    public void ASwappedChildOfTheSameNameGivesItsOwnTensors()
    {
        var a = new Dense(1, "inner");
        var b = new Dense(1, "inner");
        a.Forward(Tensor.Ones(1, 2));
        b.Forward(Tensor.Ones(1, 2));
        var wrapper = new Wrapper(a, "top");
        var before = wrapper.NamedParameters();
        wrapper.SwapInner(b);
        var after = wrapper.NamedParameters();
        Assert.Equal(before.Select(p => p.Key), after.Select(p => p.Key));
        Assert.Same(b.NamedParameters()[0].Value, after[0].Value);
        Assert.NotSame(before[0].Value, after[0].Value);
    }

    [Fact]
    public void ARenamedRootListsItsNewPaths()
    {
        // A module listed from itself takes its name among its siblings: adding a same-named sibling before it renames it.
        var d = new Dense(1);
        d.Forward(Tensor.Ones(1, 2));
        var pair = new PairHolder(new Dense(1, "x"), d);
        Assert.Equal(["dense/w", "dense/b"], Keys(d));
        pair.First = new Dense(1);
        Assert.Equal(["dense_1/w", "dense_1/b"], Keys(d));
    }

    [Fact]
    public void ASharedChildAddedTwiceIsListedOnce()
    {
        var shared = new Dense(1, "s");
        shared.Forward(Tensor.Ones(1, 2));
        var other = new Dense(1, "o");
        other.Forward(Tensor.Ones(1, 2));
        var pair = new PairHolder(shared, other);
        Assert.Equal(["pair/s/w", "pair/s/b", "pair/o/w", "pair/o/b"], Keys(pair));
        pair.Second = shared;
        Assert.Equal(["pair/s/w", "pair/s/b"], Keys(pair));
        pair.Second = other;
        Assert.Equal(["pair/s/w", "pair/s/b", "pair/o/w", "pair/o/b"], Keys(pair));
    }
}
