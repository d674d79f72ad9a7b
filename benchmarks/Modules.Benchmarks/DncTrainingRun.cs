using Modules.Dnc;
using Modules.Dnc.Tasks;
using Modules.Tensors;
using DatasetTensors = Modules.Dnc.Tasks.DatasetTensors;
using Modules.Training;

namespace Modules.Benchmarks;

/// <summary>
/// The training step of <c>examples/Dnc.Train</c> (<c>Trainer.TrainStep</c>) rebuilt from the library, so the
/// benchmarks measure exactly what training does without depending on the example: sample a repeat-copy batch,
/// unroll the DNC, masked sigmoid cross-entropy, backward, global-norm clip, TF1 RMSProp.
/// </summary>
public sealed class DncTrainingRun
{
    private readonly DncConfiguration configuration;
    private readonly RmsProp optimizer;
    private readonly Generator dataRng;

    /// <summary>Builds the model, task and optimizer of <paramref name="configuration"/>; parameters are created (connected) at once.</summary>
    public DncTrainingRun(DncConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        this.configuration = configuration;
        Task = new RepeatCopy(configuration.NumBits, configuration.BatchSize, configuration.MinLength, configuration.MaxLength,
            configuration.MinRepeats, configuration.MaxRepeats);
        Model = new Dnc.Dnc(new DncOptions
        {
            OutputSize = Task.TargetSize,
            HiddenSize = configuration.HiddenSize,
            MemorySize = configuration.MemorySize,
            WordSize = configuration.WordSize,
            NumReads = configuration.NumReadHeads,
            NumWrites = configuration.NumWriteHeads,
            ClipValue = configuration.ClipValue,
        });
        Model.Seed(configuration.Seed);
        optimizer = RmsProp.TensorFlow1(configuration.LearningRate, epsilon: configuration.OptimizerEpsilon);
        dataRng = new Generator(configuration.Seed * 2 + 1);
        // One step on zeros creates the parameters without touching the batch stream (as Dnc.Train's resume does).
        using (Tensor.NoGrad()) DynamicRnn.Unroll(Model, Tensor.Zeros(1, configuration.BatchSize, Task.ObservationSize));
    }

    /// <summary>The task batches are drawn from.</summary>
    public RepeatCopy Task { get; }

    /// <summary>The DNC core being trained.</summary>
    public Dnc.Dnc Model { get; }

    /// <summary>Draws the next training batch from the run's batch stream.</summary>
    public DatasetTensors NextBatch() => Task.Sample(dataRng);

    /// <summary>One full training step on the next batch; returns the loss, bit errors per sequence and the episode length T.</summary>
    public (float Loss, float BitErrors, int Steps) TrainStep()
    {
        var data = NextBatch();
        int batch = data.Observations.Dim(1);
        if (configuration.Shards == 1)
        {
            var logits = DynamicRnn.Unroll(Model, data.Observations).Outputs;
            var loss = Task.Cost(logits, data.Targets, data.Mask);
            optimizer.Minimize(loss, Model.NamedParameters(), configuration.MaxGradNorm);
            return (loss.Item(), RepeatCopy.BitErrors(logits, data.Targets, data.Mask), data.Observations.Dim(0));
        }
        var ranges = DataParallel.Partition(batch, configuration.Shards);
        var bitErrors = new float[ranges.Length];
        var (total, _) = DataParallel.Minimize(optimizer, Model, ranges.Length, i =>
        {
            var (start, count) = ranges[i];
            var targets = data.Targets.Slice(1, start, count);
            var mask = data.Mask.Slice(1, start, count);
            var logits = DynamicRnn.Unroll(Model, data.Observations.Slice(1, start, count)).Outputs;
            bitErrors[i] = RepeatCopy.BitErrors(logits, targets, mask) * count / batch;
            return Task.Cost(logits, targets, mask) * ((float)count / batch);
        }, configuration.MaxGradNorm);
        return (total, bitErrors.Sum(), data.Observations.Dim(0));
    }
}
