using Modules.Tensors;

namespace Modules.Tests.Core;

public class PartsTests
{
    [Fact]
    public void SizesFollowTheDeclaredDimensions()
    {
        Assert.Equal(2 * 3 + 2 + 2 + 1, ToyInterface.ParamSize(reads: 2, word: 3));
        Assert.Equal([6, 2, 2, 1], ToyInterface.PartSizes(2, 3));
        Assert.Equal(["read_keys", "read_strengths", "gates", "scalar"], ToyInterface.PartNames);
    }

    [Fact]
    public void SplitCutsConsecutiveBlocksAndReshapes()
    {
        int size = ToyInterface.ParamSize(2, 3);
        var flat = new Tensor(Enumerable.Range(0, 2 * size).Select(i => (float)i).ToArray(), 2, size);

        var parts = ToyInterface.Split(flat, 2, 3);

        Assert.Equal([2, 2, 3], parts.ReadKeys.ShapeArray());
        Assert.Equal([0f, 1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16], parts.ReadKeys.ToArray());
        Assert.Equal([6f, 7, 17, 18], parts.ReadStrengths.ToArray());
        Assert.Equal([8f, 9, 19, 20], parts.Gates.ToArray());
        Assert.Equal([2], parts.Scalar.ShapeArray());
        Assert.Equal([10f, 21], parts.Scalar.ToArray());
    }

    [Fact]
    public void SplitPassesGradientsBackToTheFlatVector()
    {
        int size = ToyInterface.ParamSize(1, 2);
        var flat = Tensor.Zeros(1, size).RequireGrad();
        var parts = ToyInterface.Split(flat, 1, 2);
        (parts.ReadKeys.Sum() * 1f + parts.ReadStrengths.Sum() * 2f + parts.Gates.Sum() * 3f + parts.Scalar.Sum() * 4f).Backward();
        Assert.Equal([1f, 1, 2, 3, 3, 4], flat.Grad!.ToArray());
    }

    [Fact]
    public void FromPartsReshapesEachPart()
    {
        var parts = ToyInterface.FromParts([Tensor.Ones(3, 4), Tensor.Ones(3, 2), Tensor.Ones(3, 2), Tensor.Ones(3, 1)], 2, 2);
        Assert.Equal([3, 2, 2], parts.ReadKeys.ShapeArray());
        Assert.Equal([3], parts.Scalar.ShapeArray());
        var error = Assert.Throws<ShapeMismatchException>(() =>
            ToyInterface.FromParts([Tensor.Ones(3, 5), Tensor.Ones(3, 2), Tensor.Ones(3, 2), Tensor.Ones(3, 1)], 2, 2));
        Assert.Contains("read_keys", error.Message);
    }

    [Fact]
    public void SplitRejectsTheWrongWidthNamingTheType()
    {
        var error = Assert.Throws<ShapeMismatchException>(() => ToyInterface.Split(Tensor.Zeros(2, 5), 2, 3));
        Assert.Equal("ToyInterface.Split: input must be [2, 11] ([B, parameter size]), got [2, 5]", error.Message);
        Assert.Equal("ToyInterface.Split", error.Op);
        Assert.Equal([2, 11], error.Expected);
        Assert.Equal([2, 5], error.Actual);
    }
}
