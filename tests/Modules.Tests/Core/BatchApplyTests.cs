using Modules.Tensors;

namespace Modules.Tests.Core;

public class BatchApplyTests
{
    [Fact]
    public void AcceptsAnyIModuleAndMatchesPerStepApplication()
    {
        var dense = new Dense(2);
        var input = Tensor.Uniform(new Generator(1), [3, 2, 4], -1f, 1f);

        var folded = BatchApply.Apply(dense, input);

        Assert.Equal([3, 2, 2], folded.ShapeArray());
        var steps = input.Unstack(0).Select(dense.Forward).SelectMany(t => t.ToArray()).ToArray();
        Assert.Equal(steps, folded.ToArray());
        Assert.Single(dense.NamedParameters(), p => p.Key == "dense/w");
    }
}
