using Modules.Dnc;
using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Benchmarks;

/// <summary>
/// The NTM copy-task training step of <c>examples/Dnc.Train --model ntm --task copy</c> rebuilt from the library: sample a
/// copy batch, unroll the NTM, masked sigmoid cross-entropy in bits, backward, global-norm clip, TF1 RMSProp.
/// </summary>
public sealed class NtmTrainingRun
{
    private readonly NtmConfiguration configuration;
    private readonly RmsProp optimizer;
    private readonly Generator dataRng;

    /// <summary>Builds the model, task and optimizer of <paramref name="configuration"/>; parameters are created (connected) at once.</summary>
    public NtmTrainingRun(NtmConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        this.configuration = configuration;
        Task = new CopyTask(configuration.NumBits, configuration.BatchSize, configuration.MinLength, configuration.MaxLength);
        Model = new Ntm(new NtmOptions
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
        // One step on zeros creates the parameters without touching the batch stream.
        using (Tensor.NoGrad()) DynamicRnn.Unroll(Model, Tensor.Zeros(1, configuration.BatchSize, Task.ObservationSize));
    }

    /// <summary>The task batches are drawn from.</summary>
    public CopyTask Task { get; }

    /// <summary>The NTM core being trained.</summary>
    public Ntm Model { get; }

    /// <summary>One full training step on the next batch; returns the loss (bits per sequence), bit errors per sequence and the episode length T.</summary>
    public (float Loss, float BitErrors, int Steps) TrainStep()
    {
        var data = Task.Sample(dataRng);
        var logits = DynamicRnn.Unroll(Model, data.Observations).Outputs;
        var loss = Task.Cost(logits, data.Targets, data.Mask);
        optimizer.Minimize(loss, Model.NamedParameters(), configuration.MaxGradNorm);
        return (loss.Item(), Task.Error(logits, data.Targets, data.Mask), data.Observations.Dim(0));
    }
}
