using Modules.Tensors;

namespace Modules.Tests.Core;

public class KeyedChildrenTests
{
    [Fact]
    public void DictionaryAndJaggedArrayChildrenAreNamedByKeyAndIndex()
    {
        var holder = new KeyedHolder();
        holder.Forward(Tensor.Ones(1, 3));

        Assert.Equal(
            [
                "keyed/by_role_a_b/w", "keyed/by_role_a_b/b", "keyed/by_role_query/w", "keyed/by_role_query/b",
                "keyed/by_role_value/w", "keyed/by_role_value/b",
                "keyed/grid_0_0/w", "keyed/grid_0_0/b", "keyed/grid_1_0/w", "keyed/grid_1_0/b", "keyed/grid_1_1/w", "keyed/grid_1_1/b",
            ],
            holder.NamedParameters().Select(p => p.Key));
        Assert.Equal([3, 2], holder.NamedParameters()[2].Value.ShapeArray());
        Assert.Equal("keyed/by_role_query", holder.ByRole["query"].Path);
        Assert.Equal("keyed/grid_1_1", holder.Grid[1][1].Path);
        Assert.Same(holder, holder.Grid[1][1].Parent);
    }

    [Fact]
    public void ASharedModuleHasOnePathInParametersPathAndErrors()
    {
        var holder = new LateHolder();
        holder.Forward(Tensor.Ones(1, 3));

        Assert.Equal(["late_holder/branch/dense/w", "late_holder/branch/dense/b"], holder.NamedParameters().Select(p => p.Key));
        Assert.Equal("late_holder/branch/dense", holder.Shared.Path);
        var error = Assert.Throws<ShapeMismatchException>(() => holder.Forward(Tensor.Ones(1, 4)));
        Assert.StartsWith("late_holder/branch/dense/w:", error.Message);
    }
}
