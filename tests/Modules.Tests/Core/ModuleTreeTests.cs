using Modules.Tensors;

namespace Modules.Tests.Core;

public class ModuleTreeTests
{
    [Theory]
    [InlineData("MemoryAccess", "memory_access")]
    [InlineData("Lstm", "lstm")]
    [InlineData("LSTMCell", "lstm_cell")]
    [InlineData("_wGates", "w_gates")]
    [InlineData("w", "w")]
    [InlineData("Conv2DLayer", "conv2_d_layer")]
    public void SnakeCaseMatchesSonnetNames(string identifier, string expected) =>
        Assert.Equal(expected, ModuleNaming.ToSnakeCase(identifier));

    [Fact]
    public void DefaultNameIsTheTypeNameInSnakeCase()
    {
        Assert.Equal("dense", new Dense(1).Name);
        Assert.Equal("two_dense", new TwoDense().Name);
        Assert.Equal("custom", new Dense(1, "custom").Name);
    }

    [Fact]
    public void UnnamedSiblingsOfOneTypeGetUniqueNames()
    {
        var model = new TwoDense("net");
        Assert.Equal("dense", model.First.Name);
        Assert.Equal("dense_1", model.Second.Name);
        Assert.Equal("net/dense_1", model.Second.Path);
        Assert.Same(model, model.Second.Parent);
        Assert.Same(model, model.Second.Root);

        model.Forward(Tensor.Ones(1, 2));
        Assert.Equal(["net/dense/w", "net/dense/b", "net/dense_1/w", "net/dense_1/b"], model.NamedParameters().Select(p => p.Key));
    }

    [Fact]
    public void PathsNestThroughWrappers()
    {
        var inner = new TwoDense();
        var outer = new Wrapper(inner, "outer");
        Assert.Equal("outer/two_dense/dense_1", inner.Second.Path);
        Assert.Same(outer, inner.Root);
        Assert.Equal("outer", outer.Path);
    }

    [Fact]
    public void ModuleReachableTwiceIsEnumeratedOnce()
    {
        var shared = new Dense(2);
        var holder = new SharingHolder(shared);
        var wrapper = new Wrapper(holder, "top");
        holder.Forward(Tensor.Ones(1, 3));

        var keys = wrapper.NamedParameters().Select(p => p.Key).ToArray();
        Assert.Equal(
            ["top/holder/dense/w", "top/holder/dense/b", "top/holder/head/w", "top/holder/head/b",
             "top/holder/dense_1/w", "top/holder/dense_1/b", "top/holder/scale_factor"],
            keys);
        Assert.Equal(7, wrapper.Parameters().Distinct().Count());
        Assert.Equal([holder, shared, holder.Children()[1], holder.Children()[2]], wrapper.Submodules());
        Assert.Equal(3, holder.Children().Count);
        Assert.True(wrapper.IsConnected);
    }

    [Fact]
    public void ParameterPathsListSlotsBeforeCreation()
    {
        var model = new TwoDense("net");
        Assert.Empty(model.NamedParameters());
        Assert.Equal(["net/dense/w", "net/dense/b", "net/dense_1/w", "net/dense_1/b"], model.ParameterPaths());
    }

    [Fact]
    public void IsConnectedNeedsEverySubmodule()
    {
        var model = new TwoDense();
        Assert.False(model.IsConnected);
        model.First.Forward(Tensor.Ones(1, 2));
        Assert.True(model.First.IsConnected);
        Assert.False(model.IsConnected);
        model.Second.Forward(Tensor.Ones(1, 3));
        Assert.True(model.IsConnected);
    }

    [Fact]
    public void SetParameterBeforeCreationIsUsedAndShapeChecked()
    {
        var dense = new Dense(2, "d");
        var w = new Tensor([1, 2, 3, 4], 2, 2);
        dense.SetParameter("d/w", w);
        Assert.True(w.RequiresGrad);

        var y = dense.Forward(new Tensor([1, 1], 1, 2));
        Assert.Equal([4.5f, 6.5f], y.ToArray());
        Assert.Same(w, dense.Parameters()[0]);

        var error = Assert.Throws<ShapeMismatchException>(() => dense.Forward(Tensor.Ones(1, 3)));
        Assert.Contains("d/w", error.Message);
    }

    [Fact]
    public void SetParameterAfterCreationCopiesIntoTheSameTensor()
    {
        var dense = new Dense(2, "d");
        dense.Forward(Tensor.Ones(1, 1));
        var existing = dense.Parameters()[1];
        dense.SetParameter("d/b", new Tensor([7, 8], 2));
        Assert.Same(existing, dense.Parameters()[1]);
        Assert.Equal([7f, 8f], existing.ToArray());

        Assert.Throws<ShapeMismatchException>(() => dense.SetParameter("d/b", Tensor.Zeros(3)));
        Assert.Throws<KeyNotFoundException>(() => dense.SetParameter("d/nope", Tensor.Zeros(2)));
    }

    [Fact]
    public void InvalidExplicitNamesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Dense(1, "a/b"));
        Assert.Throws<ArgumentException>(() => new Dense(1, ""));
    }

    [Fact]
    public void DerivedModulesListTheBaseMembersFirst()
    {
        var model = new ScaledDense();
        Assert.Equal("scaled_dense", model.Name);
        model.Forward(Tensor.Ones(1, 3));
        Assert.Equal(["scaled_dense/scale", "scaled_dense/dense/w", "scaled_dense/dense/b"], model.NamedParameters().Select(p => p.Key));
        model.SetParameter("scaled_dense/scale", new Tensor([3f], 1));
        Assert.Equal([3f], model.Parameters()[0].ToArray());
    }

    [Fact]
    public void RefreshPathsPicksUpAFieldPointedAtAnExistingModule()
    {
        var first = new Dense(1, "first");
        var holder = new Wrapper(new Dense(1), "holder");
        Assert.Equal("first", first.Path);
        holder.SwapInner(first);
        Module.RefreshPaths();
        Assert.Equal("holder/first", first.Path);
    }

    /// <summary>A path is built once and read without allocating until the tree changes; a module created since (here one that adopts it) changes it.</summary>
    [Fact]
    public void APathIsKeptWithoutAllocatingUntilANewModuleChangesIt()
    {
        var first = new Dense(1, "first");
        Assert.Equal("first", first.Path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string again = first.Path;
        for (int i = 0; i < 9; i++) again = first.Path;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("first", again);
        _ = new Wrapper(first, "holder");
        Assert.Equal("holder/first", first.Path);
    }
}
