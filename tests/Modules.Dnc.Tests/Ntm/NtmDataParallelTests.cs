using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

public class NtmDataParallelTests
{
    private const int Batch = 4;

    private static Ntm NewNtm(NtmController controller)
    {
        var ntm = new Ntm(new NtmOptions
        {
            OutputSize = 2, HiddenSize = 6, MemorySize = 5, WordSize = 3, NumReads = 2, NumWrites = 2, Controller = controller,
        });
        ntm.Seed(3);
        return ntm;
    }

    /// <summary>Mean over the batch of Σ output², on rows [start, start + count), scaled by count / Batch.</summary>
    private static Tensor ShardLoss(Ntm ntm, Tensor inputs, int start, int count)
    {
        var outputs = DynamicRnn.Unroll(ntm, inputs.Slice(1, start, count)).Outputs;
        return Tensor.Square(outputs).Sum() * (1f / Batch);
    }

    [Theory]
    [InlineData(NtmController.Lstm)]
    [InlineData(NtmController.FeedForward)]
    public void ShardedSteps_MatchWholeBatchSteps(NtmController controller)
    {
        // The core has no op that mixes batch rows, so two shards of two rows train exactly like one batch of four.
        var inputs = Tensor.Uniform(new Generator(4), [3, Batch, 3], -1f, 1f);
        var whole = NewNtm(controller);
        var sharded = NewNtm(controller);
        var wholeOptimizer = new Sgd(0.5f);
        var shardedOptimizer = new Sgd(0.5f);
        var ranges = DataParallel.Partition(Batch, 2);
        for (int step = 0; step < 2; step++)
        {
            var loss = ShardLoss(whole, inputs, 0, Batch);
            wholeOptimizer.Minimize(loss, whole.NamedParameters());
            var (shardedLoss, _) = DataParallel.Minimize(shardedOptimizer, sharded, 2,
                i => ShardLoss(sharded, inputs, ranges[i].Start, ranges[i].Count));
            Assert.Equal(loss.Item(), shardedLoss, 5);
            var expected = whole.NamedParameters();
            var actual = sharded.NamedParameters();
            for (int i = 0; i < expected.Count; i++)
                FiniteDifference.AssertClose(expected[i].Value.ToArray(), actual[i].Value.Values, 1e-4, 1e-6, expected[i].Key);
        }
    }
}
