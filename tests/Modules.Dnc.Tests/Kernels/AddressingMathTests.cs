using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class AddressingMathTests
{
    /// <summary>
    /// Property: for random rows and coefficients, the fused form gives the floats of Scale followed by one MultiplyAdd per
    /// row in row order (what the content weights' backward computed before), for widths with and without a vector tail
    /// and for contiguous and strided coefficients.
    /// </summary>
    [Theory]
    [InlineData(16, 16, 1)]
    [InlineData(16, 4, 16)]
    [InlineData(32, 128, 1)]
    [InlineData(13, 7, 3)]
    [InlineData(3, 5, 2)]
    public void ScaleAndMultiplyAdd_IsScaleThenOneMultiplyAddPerRow_BitForBit(int width, int count, int stride)
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var rng = new Generator(seed);
            var x = Tensor.Normal(rng, [width]).ToArray();
            var rows = Tensor.Normal(rng, [count, width]).ToArray();
            var coefficients = Tensor.Normal(rng, [(count - 1) * stride + 1]).ToArray();
            float scale = Tensor.Normal(rng, [1]).ToArray()[0];

            var expected = new float[width];
            AddressingMath.Scale(x, scale, expected);
            for (int p = 0; p < count; p++) AddressingMath.MultiplyAdd(rows.AsSpan(p * width, width), coefficients[p * stride], expected);
            var actual = new float[width];
            AddressingMath.ScaleAndMultiplyAdd(x, scale, rows, coefficients, stride, actual);
            KernelComparison.AssertBitIdentical(expected, actual, $"seed {seed}");
        }
    }

    [Fact]
    public void ScaleAndMultiplyAdd_HandComputed()
    {
        // 2·[1, 2] + 3·[1, 0] + 5·[0, 1] (coefficients 3 and 5 taken two apart) = [5, 9].
        var result = new float[2];
        AddressingMath.ScaleAndMultiplyAdd([1f, 2f], 2f, [1f, 0f, 0f, 1f], [3f, -1f, 5f], 2, result);
        Assert.Equal([5f, 9f], result);
    }

    [Fact]
    public void ScaleAndMultiplyAdd_TooFewCoefficients_NamesTheHelper()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            AddressingMath.ScaleAndMultiplyAdd([1f, 2f], 1f, [1f, 0f, 0f, 1f], [3f, 5f], 2, new float[2]));
        Assert.Contains("ScaleAndMultiplyAdd", ex.Message);
    }
}
