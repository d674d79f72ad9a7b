using DncTrain;
using Modules.Training;

namespace Modules.Benchmarks;

/// <summary>
/// Exactly what the training command trains: its model and task registry (<see cref="ModelRegistry"/>,
/// <see cref="TaskRegistry"/>) and the library's <see cref="SequenceTrainer"/> with TF1 RMSProp, parameters created at once.
/// </summary>
public sealed class DncTrainingRun
{
    /// <summary>Builds the model, task and trainer of <paramref name="configuration"/>.</summary>
    public DncTrainingRun(DncConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.Options;
        (Task, _) = TaskRegistry.Create(options);
        Model = ModelRegistry.Create(options, Task.TargetSize);
        Trainer = new SequenceTrainer(Model.Sequence, Task, RmsProp.TensorFlow1(options.LearningRate, epsilon: options.OptimizerEpsilon),
            new TrainerOptions { Seed = options.Seed, MaxGradNorm = options.MaxGradNorm, BatchShards = options.BatchShards });
        Trainer.Connect();
    }

    /// <summary>The task batches are drawn from.</summary>
    public ITask Task { get; }

    /// <summary>The model being trained.</summary>
    public TrainingModel Model { get; }

    /// <summary>The trainer (its batch stream is the training command's).</summary>
    public SequenceTrainer Trainer { get; }

    /// <summary>One full training step on the next batch.</summary>
    public StepReport TrainStep() => Trainer.TrainStep();
}
