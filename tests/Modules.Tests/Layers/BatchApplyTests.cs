using Modules.Tensors;

namespace Modules.Tests.Layers;

public class BatchApplyTests
{
    [Fact]
    public void EqualsApplyingTheModuleToEveryTimeStep()
    {
        var linear = new Linear(3);
        var rng = new Generator(11);
        var inputs = Tensor.Normal(rng, [4, 2, 5]); // [T, B, in]
        var folded = BatchApply.Apply(linear.Forward, inputs);
        Assert.Equal([4, 2, 3], folded.ShapeArray());
        for (int t = 0; t < 4; t++)
        {
            var step = linear.Forward(new Tensor(inputs.ToArray()[(10 * t)..(10 * t + 10)], 2, 5));
            Assert.Equal(step.ToArray(), folded.ToArray()[(6 * t)..(6 * t + 6)]);
        }
        Assert.Equal(["linear/w", "linear/b"], linear.NamedParameters().Select(p => p.Key));
    }

    [Fact]
    public void LinearCanBePassedAsAModule()
    {
        var linear = new Linear(2);
        var inputs = Tensor.Normal(new Generator(5), [3, 2, 4]);
        var viaModule = BatchApply.Apply(linear, inputs);
        Assert.Equal(BatchApply.Apply(linear.Forward, inputs).ToArray(), viaModule.ToArray());
        Assert.Equal([3, 2, 2], viaModule.ShapeArray());
    }

    [Fact]
    public void FoldsAnyNumberOfLeadingDimensionsAndKeepsGradients()
    {
        var linear = new Linear(2);
        var inputs = Tensor.Ones(2, 3, 4, 5);
        var output = BatchApply.Apply(linear.Forward, inputs, foldedDims: 3);
        Assert.Equal([2, 3, 4, 2], output.ShapeArray());
        output.Sum().Backward();
        // ∂Σy/∂b = number of folded rows = 2·3·4 = 24 per output unit.
        Assert.Equal([24f, 24f], linear.NamedParameters()[1].Value.Grad!.ToArray());
    }

    [Fact]
    public void FunctionThatDropsTheBatchIsRejected()
    {
        var error = Assert.Throws<ShapeMismatchException>(() => BatchApply.Apply(x => x.Sum(), Tensor.Ones(2, 3, 4)));
        Assert.Contains("folded batch of 6", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchApply.Apply(x => x, Tensor.Ones(2, 3), foldedDims: 3));
    }
}
