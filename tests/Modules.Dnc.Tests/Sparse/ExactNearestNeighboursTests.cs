using Modules.Dnc.Sparse;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Sparse;

public class ExactNearestNeighboursTests
{
    /// <summary>Every row's similarity, sorted by the search's order (higher first, then lower row).</summary>
    private static (int[] Rows, float[] Similarities) BruteForce(float[] memory, int wordSize, float[] key, int count)
    {
        int rows = memory.Length / wordSize;
        var similarities = new float[rows];
        for (int n = 0; n < rows; n++) similarities[n] = Cosine.Similarity(memory.AsSpan(n * wordSize, wordSize), key);
        var order = Enumerable.Range(0, rows).OrderByDescending(n => similarities[n]).ThenBy(n => n).Take(count).ToArray();
        return (order, order.Select(n => similarities[n]).ToArray());
    }

    [Theory]
    [InlineData(200, 5, 3, 7)]
    [InlineData(9, 3, 2, 9)]
    [InlineData(300, 16, 4, 4)] // whole 256-bit vectors: the fused pass
    [InlineData(50_000, 4, 2, 5)] // above ExactNearestNeighbours.ParallelRows: split between threads and merged
    public void Search_ReturnsTheExactTopK(int rows, int wordSize, int heads, int count)
    {
        var rng = new Generator(5);
        var memory = Tensor.Normal(rng, [rows, wordSize]).ToArray();
        // Duplicated rows tie exactly: the lower row must come first.
        memory.AsSpan(0, wordSize).CopyTo(memory.AsSpan((rows - 1) * wordSize, wordSize));
        var keys = Tensor.Normal(rng, [heads, wordSize]).ToArray();
        memory.AsSpan(0, wordSize).CopyTo(keys); // head 0 looks for row 0, which has a twin
        var indices = new int[heads * count];
        var similarities = new float[heads * count];

        ExactNearestNeighbours.Instance.Search(memory, wordSize, keys, count, indices, similarities);

        for (int h = 0; h < heads; h++)
        {
            var (expectedRows, expectedSimilarities) = BruteForce(memory, wordSize, keys.AsSpan(h * wordSize, wordSize).ToArray(), count);
            Assert.Equal(expectedRows, indices.AsSpan(h * count, count).ToArray());
            // The search sums in another order than TensorPrimitives.Dot: equal up to rounding.
            FiniteDifference.AssertClose(expectedSimilarities, similarities.AsSpan(h * count, count), 1e-5, 1e-6, "similarities");
        }
        Assert.Equal(0, indices[0]);
        Assert.Equal(rows - 1, indices[1]);
    }

    [Fact]
    public void Search_RejectsBadSizes()
    {
        var memory = new float[12];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExactNearestNeighbours.Instance.Search(memory, 3, new float[3], 5, new int[5], new float[5]));
        Assert.Contains("[1, 4]", ex.Message);
        Assert.Throws<ArgumentException>(() => ExactNearestNeighbours.Instance.Search(memory, 5, new float[5], 1, new int[1], new float[1]));
    }
}
