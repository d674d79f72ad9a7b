namespace Modules.Tensors.Tests;

public class ShapeMismatchExceptionTests
{
    [Fact]
    public void ACheckedShapeCarriesItsOpAndBothShapes()
    {
        var e = new ShapeMismatchException("net/linear", "input", [4, 20], [4, 21], " (last dimension 20)");
        Assert.Equal("net/linear", e.Op);
        Assert.Equal([4, 20], e.Expected);
        Assert.Equal([4, 21], e.Actual);
        Assert.Equal("net/linear: input must be [4, 20] (last dimension 20), got [4, 21]", e.Message);
    }

    [Fact]
    public void AnyDimensionReadsAsAQuestionMarkAndStaysNegativeInExpected()
    {
        var e = new ShapeMismatchException("memory_access", "input", [-1, 12], [12]);
        Assert.Equal([-1, 12], e.Expected);
        Assert.Equal([12], e.Actual);
        Assert.Equal("memory_access: input must be [?, 12], got [12]", e.Message);
    }

    [Fact]
    public void TwoOperandsAreExpectedThenActual()
    {
        var e = new ShapeMismatchException("Add", [2, 3], [4]);
        Assert.Equal("Add", e.Op);
        Assert.Equal([2, 3], e.Expected);
        Assert.Equal([4], e.Actual);
        Assert.Equal("Add: shapes [2, 3] and [4] do not match", e.Message);
    }

    [Fact]
    public void OpsFillTheStructuredProperties()
    {
        var matMul = Assert.Throws<ShapeMismatchException>(() => Tensor.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Equal("MatMul", matMul.Op);
        Assert.Equal([2, 3], matMul.Expected);
        Assert.Equal([4, 5], matMul.Actual);
        // A check with a free batch dimension: rank 3 logits required, rank 2 given.
        var loss = Assert.Throws<ShapeMismatchException>(() =>
            Tensor.SoftmaxCrossEntropy(Tensor.Zeros(2, 6), Tensor.Zeros(2, 6), Tensor.Zeros(2), 3));
        Assert.Equal("SoftmaxCrossEntropy", loss.Op);
        Assert.Equal([-1, -1, -1], loss.Expected);
        Assert.Equal([2, 6], loss.Actual);
        Assert.Equal("SoftmaxCrossEntropy: logits must be [?, ?, ?] ([T, B, F]), got [2, 6]", loss.Message);
    }
}
