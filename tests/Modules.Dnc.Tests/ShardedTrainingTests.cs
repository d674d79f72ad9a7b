using Modules.Dnc.Tasks;
using Modules.Training;

namespace Modules.Dnc.Tests;

/// <summary><see cref="TrainerOptions.BatchShards"/> with the DNC: its fused kernels run on two threads at once.</summary>
public class ShardedTrainingTests
{
    private static (SequenceTrainer Trainer, List<StepReport> Steps) Train(int shards, int steps)
    {
        var dnc = new Dnc(new DncOptions { OutputSize = 5, HiddenSize = 16, MemorySize = 8, WordSize = 6, NumReads = 3, NumWrites = 1 });
        dnc.Seed(11);
        var task = new RepeatCopy(numBits: 4, batchSize: 8, minLength: 2, maxLength: 4, minRepeats: 1, maxRepeats: 2);
        var trainer = new SequenceTrainer(SequenceModel.FromCore(dnc), task, RmsProp.TensorFlow1(1e-3f),
            new TrainerOptions { Seed = 2, BatchShards = shards });
        var reports = new List<StepReport>();
        trainer.StepCompleted += reports.Add;
        trainer.Run(steps);
        return (trainer, reports);
    }

    private static float[][] Parameters(SequenceTrainer t) => t.Model.Module.NamedParameters().Select(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void TwoShards_TrainLikeTheWholeBatch_AndRepeatBitForBit()
    {
        // No DNC op mixes batch rows, so the shards differ from the whole batch only in the order of the gradient sums.
        var (whole, expected) = Train(1, 4);
        var (sharded, actual) = Train(2, 4);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Loss, actual[i].Loss, 4);
            Assert.Equal(expected[i].Metric, actual[i].Metric);   // bit errors of the reassembled logits
            Assert.Equal(expected[i].GradientNorm, actual[i].GradientNorm, 4);
        }
        var p = Parameters(whole);
        var q = Parameters(sharded);
        for (int i = 0; i < p.Length; i++) FiniteDifference.AssertClose(p[i], q[i], 1e-4, 1e-6, $"parameter {i}");

        var (again, repeated) = Train(2, 4);
        Assert.Equal(actual.Select(r => r.Loss), repeated.Select(r => r.Loss));
        Assert.Equal(q, Parameters(again));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheBatchLogits_OnUnclearedStorage_AreWrittenInFullByTheShards(int shards)
    {
        // Storage the calling thread rents is filled with NaN: an element no shard wrote would show in the bit errors.
        var (_, clean) = Train(shards, 3);
        List<StepReport> poisoned;
        Modules.Tensors.BufferPool.PoisonOnRent = true;
        try
        {
            (_, poisoned) = Train(shards, 3);
        }
        finally
        {
            Modules.Tensors.BufferPool.PoisonOnRent = false;
        }
        Assert.Equal(clean, poisoned);
    }
}
