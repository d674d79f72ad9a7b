using Modules.Dnc.Sparse;
using Modules.Tensors;
using Xunit.Abstractions;
using static Modules.Dnc.Tests.Sparse.SparseTestModels;

namespace Modules.Dnc.Tests.Sparse;

public class RandomisedKdForestTests(ITestOutputHelper output)
{
    private const int WordSize = 32, K = 4;

    /// <summary>
    /// Keys [H, Wd]: the first half Gaussian like the memory (the hardest case: in 32 dimensions the nearest rows are
    /// barely nearer than the rest), the second half a row (the source, returned) plus noise of 0.3 of its scale (a key
    /// looking for something written).
    /// </summary>
    private static float[] Keys(float[] memory, int heads, ulong seed) => KeysAndSources(memory, heads, seed).Keys;

    private static (float[] Keys, int[] Sources) KeysAndSources(float[] memory, int heads, ulong seed)
    {
        var random = new Generator(seed);
        var keys = Tensor.Normal(random, [heads, WordSize]).ToArray();
        var sources = new int[heads - heads / 2];
        int rows = memory.Length / WordSize;
        for (int h = heads / 2; h < heads; h++)
        {
            int row = sources[h - heads / 2] = random.NextInt(0, rows);
            for (int d = 0; d < WordSize; d++) keys[h * WordSize + d] = memory[row * WordSize + d] + 0.3f * keys[h * WordSize + d];
        }
        return (keys, sources);
    }

    /// <summary>The fraction of the exact top-K rows the index also returned, over the random and the near keys.</summary>
    private static (double Random, double Near) Recall(INearestNeighbourIndex index, float[] memory, float[] keys)
    {
        int heads = keys.Length / WordSize;
        var exact = new int[heads * K];
        ExactNearestNeighbours.Instance.Search(memory, WordSize, keys, K, exact, new float[heads * K]);
        var found = new int[heads * K];
        var similarities = new float[heads * K];
        index.Search(memory, keys, K, found, similarities);
        // Whatever the index returns, the similarities are the rows' true cosines.
        for (int i = 0; i < found.Length; i++)
            Assert.Equal(Cosine.Similarity(memory.AsSpan(found[i] * WordSize, WordSize), keys.AsSpan(i / K * WordSize, WordSize)), similarities[i], 1e-5f);
        int randomHits = 0, nearHits = 0;
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < K; j++)
                if (found.AsSpan(h * K, K).Contains(exact[h * K + j])) { if (h < heads / 2) randomHits++; else nearHits++; }
        double half = heads / 2 * K;
        return (randomHits / half, nearHits / half);
    }

    /// <summary>
    /// Recall@4 of the default forest (4 trees, leaves of 16, 1024 checks) against the exact search over a Gaussian
    /// memory, seeded: at least the stated fractions for Gaussian keys and for keys near a row, and the row a near key
    /// was made from returned first for at least the stated fraction. The measured values are printed.
    /// </summary>
    [Theory]
    [InlineData(65_536, 0.35, 0.50, 0.95)]
    [InlineData(1_048_576, 0.15, 0.30, 0.90)]
    public void Recall_AgainstExactSearch_OnRandomData(int rows, double randomAtLeast, double nearAtLeast, double sourceFirstAtLeast)
    {
        var memory = Tensor.Normal(new Generator(31), [rows, WordSize]).ToArray();
        var (keys, sources) = KeysAndSources(memory, 128, 32);
        var index = new RandomisedKdForest().Open(memory, WordSize);
        var (random, near) = Recall(index, memory, keys);
        var found = new int[128 * K];
        index.Search(memory, keys, K, found, new float[128 * K]);
        double sourceFirst = sources.Where((row, i) => found[(64 + i) * K] == row).Count() / (double)sources.Length;
        output.WriteLine($"N = {rows}: recall@{K} {random:F3} (Gaussian keys), {near:F3} (keys near a row); source row first {sourceFirst:F3}");
        Assert.True(random >= randomAtLeast, $"recall@{K} for Gaussian keys {random:F3} < {randomAtLeast}");
        Assert.True(near >= nearAtLeast, $"recall@{K} for keys near a row {near:F3} < {nearAtLeast}");
        Assert.True(sourceFirst >= sourceFirstAtLeast, $"source row first for {sourceFirst:F3} of the near keys < {sourceFirstAtLeast}");
    }

    [Theory]
    [InlineData(1, 1, 7)]
    [InlineData(3, 2, 5)]
    [InlineData(4, 16, 9)]
    [InlineData(4, 16, 16)] // a word of whole 256-bit vectors: the exact search's fused pass
    public void Search_ComparingEveryRow_EqualsTheExactSearch(int trees, int leafSize, int wordSize)
    {
        const int rows = 300, heads = 5, count = 6;
        var random = new Generator(41);
        var memory = Tensor.Normal(random, [rows, wordSize]).ToArray();
        memory.AsSpan(0, wordSize).CopyTo(memory.AsSpan((rows - 1) * wordSize, wordSize)); // a twin: the lower row first
        memory.AsSpan(5 * wordSize, wordSize).Clear();                                     // a zero row
        var keys = Tensor.Normal(random, [heads, wordSize]).ToArray();
        memory.AsSpan(0, wordSize).CopyTo(keys);
        var (exactRows, exactSimilarities) = (new int[heads * count], new float[heads * count]);
        ExactNearestNeighbours.Instance.Search(memory, wordSize, keys, count, exactRows, exactSimilarities);
        var (found, similarities) = (new int[heads * count], new float[heads * count]);

        new RandomisedKdForest(trees, leafSize, checks: rows).Search(memory, wordSize, keys, count, found, similarities);

        Assert.Equal(exactRows, found);
        Assert.Equal(exactSimilarities, similarities);
        Assert.Equal([0, rows - 1], found[..2]);
    }

    [Fact]
    public void Search_WithFewChecks_StillReturnsKDistinctRows()
    {
        var memory = Tensor.Normal(new Generator(42), [500, 8]).ToArray();
        var keys = Tensor.Normal(new Generator(43), [3, 8]).ToArray();
        var (found, similarities) = (new int[3 * 10], new float[3 * 10]);

        new RandomisedKdForest(trees: 2, leafSize: 2, checks: 1).Search(memory, 8, keys, 10, found, similarities);

        for (int h = 0; h < 3; h++)
        {
            Assert.Equal(10, found.AsSpan(h * 10, 10).ToArray().Distinct().Count());
            for (int j = 1; j < 10; j++) Assert.True(similarities[h * 10 + j - 1] >= similarities[h * 10 + j], "most similar first");
        }
    }

    /// <summary>
    /// A row rewritten in place is missed by its new content until Update names it, then found first. After many
    /// SAM-like rewrites (leaves grown and split) every row is still in the trees (a search comparing every row equals
    /// the exact search) and the updated index finds about as many true neighbours as one built afresh.
    /// </summary>
    [Fact]
    public void Update_ReindexesRewrittenRows()
    {
        const int rows = 4096;
        var random = new Generator(51);
        var memory = Tensor.Normal(random, [rows, WordSize]).ToArray();
        var forest = new RandomisedKdForest(trees: 4, leafSize: 8, checks: 256, seed: 5);
        var index = forest.Open(memory, WordSize);
        var everyRow = new RandomisedKdForest(trees: 4, leafSize: 8, checks: rows, seed: 5).Open(memory, WordSize);
        var glance = new RandomisedKdForest(trees: 4, leafSize: 8, checks: 1, seed: 5).Open(memory, WordSize); // one leaf a tree

        var newContent = Tensor.Normal(random, [WordSize]).ToArray();
        newContent.CopyTo(memory, 17 * WordSize);
        var (found, similarities) = (new int[K], new float[K]);
        glance.Search(memory, newContent, K, found, similarities);
        Assert.DoesNotContain(17, found); // still filed under its old content
        glance.Update(memory, [-1, 17]);
        glance.Search(memory, newContent, K, found, similarities);
        Assert.Equal(17, found[0]);
        Assert.Equal(1f, similarities[0], 1e-5f);

        // SAM-like steps: 17 rows rewritten a step, four of them near one direction, so that some leaves overflow.
        var direction = Tensor.Normal(random, [WordSize]).ToArray();
        var written = new int[17];
        written[0] = 17;
        index.Update(memory, written.AsSpan(0, 1));
        everyRow.Update(memory, written.AsSpan(0, 1));
        for (int step = 0; step < 400; step++)
        {
            for (int s = 0; s < written.Length; s++)
            {
                int row = written[s] = random.NextInt(0, rows);
                for (int d = 0; d < WordSize; d++)
                    memory[row * WordSize + d] = s < 4 ? direction[d] * (1 + 0.01f * (float)random.NextNormal()) : (float)random.NextNormal();
            }
            index.Update(memory, written);
            everyRow.Update(memory, written);
        }
        var keys = Keys(memory, 64, 52);
        Assert.Equal((1.0, 1.0), Recall(everyRow, memory, keys));
        var updated = Recall(index, memory, keys);
        var fresh = Recall(forest.Open(memory, WordSize), memory, keys);
        output.WriteLine($"after 400 steps of updates: recall {updated}, rebuilt {fresh}");
        Assert.True(updated.Random >= fresh.Random - 0.1 && updated.Near >= fresh.Near - 0.1, $"updated {updated} against rebuilt {fresh}");
    }

    /// <summary>
    /// An index opened over a new memory (all zeros) answers as the exact search does (rows 0..K−1, similarity 0), and as
    /// rows are written (lowest first, as the least recently used row is chosen), rewritten and one set back to zeros, a
    /// search comparing every row stays equal to the exact search, rows and similarities.
    /// </summary>
    [Fact]
    public void NewMemoryOfZeros_GrowsItsTreesAsRowsAreWritten()
    {
        const int rows = 2000, wordSize = 8, heads = 3;
        var memory = new float[rows * wordSize];
        var everyRow = new RandomisedKdForest(trees: 2, leafSize: 4, checks: rows, seed: 9).Open(memory, wordSize);
        var random = new Generator(71);
        var (found, similarities) = (new int[heads * K], new float[heads * K]);
        var (exactRows, exactSimilarities) = (new int[heads * K], new float[heads * K]);
        void AssertExact(float[] keys)
        {
            ExactNearestNeighbours.Instance.Search(memory, wordSize, keys, K, exactRows, exactSimilarities);
            everyRow.Search(memory, keys, K, found, similarities);
            Assert.Equal(exactRows, found);
            Assert.Equal(exactSimilarities, similarities);
        }

        var keys = Tensor.Normal(random, [heads, wordSize]).ToArray();
        AssertExact(keys);
        Assert.Equal([0, 1, 2, 3], found[..K]);
        Assert.Equal(0f, similarities[0]);

        var written = new int[5];
        for (int step = 0; step < 300; step++)
        {
            for (int s = 0; s < written.Length; s++)
            {
                // The next unwritten row, or one written before.
                int row = written[s] = s == 0 ? step : random.NextInt(0, step + 1);
                for (int d = 0; d < wordSize; d++) memory[row * wordSize + d] = (float)random.NextNormal();
            }
            if (step == 150) memory.AsSpan(7 * wordSize, wordSize).Clear(); // row 7 back to zeros
            everyRow.Update(memory, step == 150 ? [.. written, 7] : written);
            if (step % 50 == 0 || step == 150) AssertExact(Tensor.Normal(random, [heads, wordSize]).ToArray());
        }
    }

    /// <summary>
    /// Rows of zeros have similarity 0 with every key: when every written row points away from the key they are the
    /// nearest, lowest first, also a row set back to zeros.
    /// </summary>
    [Fact]
    public void RowsOfZeros_AreTheNearestWhenEveryWrittenRowPointsAway()
    {
        const int wordSize = 4;
        var memory = new float[10 * wordSize];
        for (int r = 0; r < 6; r++)
            for (int d = 0; d < wordSize; d++) memory[r * wordSize + d] = 1f + 0.1f * r * d; // rows 0..5 positive, 6..9 zeros
        var index = new RandomisedKdForest(trees: 2, leafSize: 1, checks: 10).Open(memory, wordSize);
        float[] key = [-1f, -1f, -1f, -1f];
        var (found, similarities) = (new int[K], new float[K]);
        index.Search(memory, key, K, found, similarities);
        Assert.Equal([6, 7, 8, 9], found);
        Assert.Equal([0f, 0f, 0f, 0f], similarities);

        memory.AsSpan(2 * wordSize, wordSize).Clear();
        index.Update(memory, [2]);
        index.Search(memory, key, K, found, similarities);
        Assert.Equal([2, 6, 7, 8], found);

        memory[2 * wordSize] = -1f; // row 2 now points along the key: the nearest
        index.Update(memory, [2]);
        index.Search(memory, key, K, found, similarities);
        Assert.Equal([2, 6, 7, 8], found);
        Assert.Equal(0.5f, similarities[0], 1e-6f); // (-1)·(-1) / (2 · 1)
    }

    /// <summary>The same seed, memory and updates give the same results, also when the keys are searched on several threads.</summary>
    [Fact]
    public void SameSeedAndUpdates_GiveTheSameResults()
    {
        const int rows = 70_000; // above the size at which keys are searched in parallel
        var memory = Tensor.Normal(new Generator(61), [rows, WordSize]).ToArray();
        var keys = Keys(memory, 8, 62);
        (int[], float[]) Run(ulong seed)
        {
            var copy = (float[])memory.Clone();
            var index = new RandomisedKdForest(checks: 512, seed: seed).Open(copy, WordSize);
            var random = new Generator(63);
            var written = new int[17];
            for (int step = 0; step < 20; step++)
            {
                for (int s = 0; s < written.Length; s++)
                {
                    written[s] = random.NextInt(0, rows);
                    for (int d = 0; d < WordSize; d++) copy[written[s] * WordSize + d] = (float)random.NextNormal();
                }
                index.Update(copy, written);
            }
            var (found, similarities) = (new int[8 * K], new float[8 * K]);
            index.Search(copy, keys, K, found, similarities);
            return (found, similarities);
        }
        var first = Run(7);
        var second = Run(7);
        Assert.Equal(first.Item1, second.Item1);
        Assert.Equal(first.Item2, second.Item2);
        Assert.NotEqual(first.Item1, Run(8).Item1); // the seed matters: another forest finds other rows for some Gaussian key
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        Assert.Contains("trees must be at least 1, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomisedKdForest(trees: 0)).Message);
        Assert.Contains("checks must be at least 1, got -2", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomisedKdForest(checks: -2)).Message);
        var memory = new float[12];
        var index = new RandomisedKdForest().Open(memory, 3);
        Assert.Contains("[1, 4]", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(memory, new float[3], 5, new int[5], new float[5])).Message);
        Assert.Contains("holds [4, 3], got a memory of 9 floats", Assert.Throws<ArgumentException>(() => index.Search(new float[9], new float[3], 1, new int[1], new float[1])).Message);
        Assert.Contains("row 4 is outside the memory's 4 rows", Assert.Throws<ArgumentOutOfRangeException>(() => index.Update(memory, [4])).Message);
        Assert.Contains("whole rows of 5", Assert.Throws<ArgumentException>(() => new RandomisedKdForest().Open(memory, 5)).Message);
    }

    /// <summary>
    /// A SAM whose reads search a small forest (through <see cref="SamOptions.Index"/>; 2 trees, leaves of 2, 4 checks of
    /// 16 rows, so the search is approximate): its gradients through three steps match finite differences.
    /// </summary>
    [Fact]
    public void Sam_WithTheForest_GradientsMatchFiniteDifferences()
    {
        var sam = new Sam(SmallSam(memory: 16) with { Index = new RandomisedKdForest(trees: 2, leafSize: 2, checks: 4, seed: 3) });
        sam.Seed(21);
        var inputs = Tensor.Normal(new Generator(22), [3, 2, 3]);
        Unroll(sam, inputs); // connects
        var parameters = sam.Parameters().ToArray();
        FiniteDifference.Check(x => Unroll(sam, x[0]), [inputs, .. parameters], eps: 1e-3f, rtol: 2e-2, atol: 2e-3);
        Assert.Contains(Parameter(sam, "sam/memory_access/write_vector/w").Grad!.ToArray(), g => g != 0f);
        Assert.Contains(Parameter(sam, "sam/memory_access/read_keys/w").Grad!.ToArray(), g => g != 0f);
    }
}
