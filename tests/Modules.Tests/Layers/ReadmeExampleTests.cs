using Modules.Tensors;

namespace Modules.Tests.Layers;

/// <summary>The README's first example, kept honest: names, shapes and the error text it shows.</summary>
public partial class ReadmeExampleTests
{
    [Module]
    public sealed partial class TwoLayer : Module
    {
        private readonly Linear hidden = new(64);
        private readonly Linear output = new(10);

        public Tensor Forward(Tensor x) => output.Forward(Tensor.Tanh(hidden.Forward(x)));
    }

    [Fact]
    public void NamesShapesAndTheShapeErrorAreAsTheReadmeSays()
    {
        var net = new TwoLayer();
        var y = net.Forward(Tensor.Zeros(32, 20));

        Assert.Equal([32, 10], y.ShapeArray());
        Assert.Equal(
            ["two_layer/linear/w [20, 64]", "two_layer/linear/b [64]", "two_layer/linear_1/w [64, 10]", "two_layer/linear_1/b [10]"],
            net.NamedParameters().Select(p => $"{p.Key} [{string.Join(", ", p.Value.ShapeArray())}]"));
        var error = Assert.Throws<ShapeMismatchException>(() => net.Forward(Tensor.Zeros(32, 21)));
        Assert.Equal("two_layer/linear: input must be [32, 20] (last dimension 20), got [32, 21]", error.Message);
        Assert.Equal("two_layer/linear", error.Op);
        Assert.Equal([32, 20], error.Expected);
        Assert.Equal([32, 21], error.Actual);
    }
}
