using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Training;

public class DataParallelTests
{
    private const int Batch = 6, Time = 4, InputSize = 3, Hidden = 5;

    private static Tensor Inputs() => Tensor.Uniform(new Generator(11), [Time, Batch, InputSize], -1f, 1f);

    /// <summary>Mean over the batch of Σ_t Σ_h output², computed on rows [start, start + count) and scaled by count / Batch.</summary>
    private static Tensor ShardLoss(Lstm lstm, Tensor inputs, int start, int count)
    {
        var shard = inputs.Slice(1, start, count);
        var outputs = DynamicRnn.Unroll(lstm, shard).Outputs;
        return Tensor.Square(outputs).Sum() * (1f / count) * (count / (float)Batch);
    }

    private static Lstm NewLstm()
    {
        var lstm = new Lstm(Hidden);
        lstm.Seed(5);
        return lstm;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ShardedStepMatchesTheWholeBatchStep(int shards)
    {
        var inputs = Inputs();
        var whole = NewLstm();
        var sharded = NewLstm();
        var wholeOptimizer = new Sgd(0.5f);
        var shardedOptimizer = new Sgd(0.5f);
        var ranges = DataParallel.Partition(Batch, shards);

        for (int step = 0; step < 3; step++)
        {
            var loss = ShardLoss(whole, inputs, 0, Batch);
            float wholeNorm = wholeOptimizer.Minimize(loss, whole.NamedParameters(), maxGradNorm: 0.5f);
            var (shardedLoss, shardedNorm) = DataParallel.Minimize(shardedOptimizer, sharded, shards,
                i => ShardLoss(sharded, inputs, ranges[i].Start, ranges[i].Count), maxGradNorm: 0.5f);

            Assert.Equal(loss.Item(), shardedLoss, 5);
            Assert.Equal(wholeNorm, shardedNorm, 4);
            var expected = whole.NamedParameters();
            var actual = sharded.NamedParameters();
            Assert.Equal(expected.Select(p => p.Key), actual.Select(p => p.Key));
            for (int i = 0; i < expected.Count; i++)
                for (int j = 0; j < expected[i].Value.Size; j++)
                    Assert.Equal(expected[i].Value.Values[j], actual[i].Value.Values[j], 5);
        }
    }

    [Fact]
    public void RepeatedRunsAreBitIdentical()
    {
        float[][] Run()
        {
            var inputs = Inputs();
            var lstm = NewLstm();
            var optimizer = new Adam(0.01f);
            var ranges = DataParallel.Partition(Batch, 2);
            for (int step = 0; step < 5; step++)
                DataParallel.Minimize(optimizer, lstm, 2, i => ShardLoss(lstm, inputs, ranges[i].Start, ranges[i].Count));
            return lstm.Parameters().Select(p => p.ToArray()).ToArray();
        }
        var first = Run();
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var again = Run();
            for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], again[i]);
        }
    }

    [Fact]
    public void StepsInsideATensorArenaScopeAreBitIdenticalToStepsWithoutOne()
    {
        // Shards run on pool threads (no scope open there) and on the calling thread (inside the scope); the caller's
        // arena must change nothing, including the parameters created by the first step inside the scope.
        float[][] Run(TensorArena? arena)
        {
            var inputs = Inputs();
            var lstm = NewLstm();
            var optimizer = new Adam(0.01f);
            var ranges = DataParallel.Partition(Batch, 3);
            for (int step = 0; step < 4; step++)
            {
                using var scope = arena?.Enter() ?? default;
                DataParallel.Minimize(optimizer, lstm, 3, i => ShardLoss(lstm, inputs, ranges[i].Start, ranges[i].Count), maxGradNorm: 0.5f);
            }
            return lstm.Parameters().Select(p => p.ToArray()).ToArray();
        }
        var plain = Run(null);
        var scoped = Run(new TensorArena());
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], scoped[i]);
    }

    [Fact]
    public void AShardFailure_SurfacesAsItsOwnException()
    {
        var lstm = NewLstm();
        var inputs = Inputs();
        DataParallel.Minimize(new Sgd(0.1f), lstm, 1, _ => ShardLoss(lstm, inputs, 0, Batch)); // connect
        var e = Assert.Throws<InvalidOperationException>(() =>
            DataParallel.Minimize(new Sgd(0.1f), lstm, 2, i => i == 1 ? throw new InvalidOperationException("shard 1 failed") : ShardLoss(lstm, inputs, 0, 3)));
        Assert.Equal("shard 1 failed", e.Message);
    }

    [Theory]
    [InlineData(16, 2, new[] { 0, 8, 8, 8 })]
    [InlineData(7, 3, new[] { 0, 3, 3, 2, 5, 2 })]
    [InlineData(4, 1, new[] { 0, 4 })]
    public void PartitionCutsContiguousNearlyEqualRanges(int batch, int shards, int[] expected)
    {
        var flat = DataParallel.Partition(batch, shards).SelectMany(r => new[] { r.Start, r.Count }).ToArray();
        Assert.Equal(expected, flat);
    }

    [Fact]
    public void MoreShardsThanRows_IsRefusedWithBothNumbers()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DataParallel.Partition(2, 3));
        Assert.Contains("3 shards of a batch of 2", e.Message);
    }
}
