using System.Globalization;
using Modules.Checkpoints;
using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;
using ITask = Modules.Dnc.Tasks.ITask;

namespace DncTrain;

/// <summary>
/// DeepMind's <c>train.py</c> loop over any model and task: the core unrolled over the task's batches, the task's
/// cost, gradients clipped to a global norm, TF1-style RMSProp; plus checkpoints that resume the run exactly.
/// </summary>
public sealed class Trainer
{
    private readonly TrainOptions options;
    private readonly Reporter reporter;
    private readonly RmsProp optimizer;
    private readonly Generator dataRng;
    private readonly Generator sampleRng;
    private readonly CheckpointStore? checkpoints;
    private int lastSavedStep = -1;

    /// <summary>Builds the model, task and optimizer; touches no files until <see cref="Run"/>.</summary>
    public Trainer(TrainOptions options, Reporter? reporter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.reporter = reporter ?? new Reporter(TextWriter.Null, interactive: false, options.NumTrainingIterations);
        Task = TaskFactory.Create(options);
        Model = ModelFactory.Create(options, Task.TargetSize);
        optimizer = RmsProp.TensorFlow1(options.LearningRate, epsilon: options.OptimizerEpsilon);
        // Separate streams: training batches, and the batches shown in reports (so --report-interval
        // does not change what the model trains on).
        dataRng = new Generator(options.Seed * 2 + 1);
        sampleRng = new Generator(options.Seed * 2 + 2);
        if (options.CheckpointsEnabled) checkpoints = new CheckpointStore(options.CheckpointDir);
    }

    /// <summary>The task being trained on.</summary>
    public ITask Task { get; }

    /// <summary>The model; its parameters exist after the first step (or after a resume).</summary>
    public IModelRunner Model { get; }

    /// <summary>Training steps completed, including those before a resume.</summary>
    public int CompletedSteps { get; private set; }

    /// <summary>Raised after every step of <see cref="Run"/> with the number of completed steps.</summary>
    public event Action<int>? StepCompleted;

    /// <summary>The model's parameters by path.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Parameters => Model.NamedParameters();

    /// <summary>
    /// Trains up to <c>--num-training-iterations</c>, resuming from the latest checkpoint first. Stops early
    /// (after saving a checkpoint) when <paramref name="cancellation"/> fires.
    /// </summary>
    /// <exception cref="UsageException">The checkpoint directory is unusable or holds an incompatible checkpoint.</exception>
    public TrainResult Run(CancellationToken cancellation = default)
    {
        checkpoints?.EnsureUsable();
        if (TryResume() is { } resumedFrom) reporter.Info($"Resumed from {resumedFrom} at step {CompletedSteps}.");

        var losses = new List<float>();
        var errorsPerStep = new List<float>();
        double lossSum = 0, errorSum = 0;
        int sinceReport = 0;
        bool interrupted = false;
        while (CompletedSteps < options.NumTrainingIterations)
        {
            if (cancellation.IsCancellationRequested) { interrupted = true; break; }
            var (loss, error) = TrainStep();
            losses.Add(loss);
            errorsPerStep.Add(error);
            lossSum += loss;
            errorSum += error;
            sinceReport++;
            reporter.Progress(CompletedSteps, loss);
            StepCompleted?.Invoke(CompletedSteps);

            if (CompletedSteps % options.ReportInterval == 0)
            {
                reporter.Report(CompletedSteps - 1, (float)(lossSum / sinceReport), Task.ErrorName, (float)(errorSum / sinceReport), Sample());
                lossSum = errorSum = 0;
                sinceReport = 0;
            }
            if (checkpoints is not null && options.CheckpointInterval > 0 && CompletedSteps % options.CheckpointInterval == 0)
                SaveCheckpoint();
        }

        // The last step may just have been saved by the interval rule.
        if (checkpoints is not null && losses.Count > 0 && lastSavedStep != CompletedSteps) SaveCheckpoint();
        if (interrupted) reporter.Info($"Interrupted at step {CompletedSteps}" + (lastSavedStep == CompletedSteps ? "; checkpoint saved." : "."));
        if (options.Viz is not null) WriteVisualisation(options.Viz);
        return new TrainResult(CompletedSteps, interrupted, losses, errorsPerStep);
    }

    /// <summary>One training iteration on a fresh batch.</summary>
    /// <returns>The batch's loss and the task's error measure (<see cref="ITask.Error"/>).</returns>
    public (float Loss, float Error) TrainStep()
    {
        var data = Task.Sample(dataRng);
        var logits = Model.Unroll(data.Observations);
        var loss = Task.Cost(logits, data.Targets, data.Mask);
        optimizer.Minimize(loss, Model.NamedParameters(), options.MaxGradNorm);
        CompletedSteps++;
        return (loss.Item(), Task.Error(logits, data.Targets, data.Mask));
    }

    /// <summary>A fresh batch with the model's prediction, as the task's readable text.</summary>
    public string Sample()
    {
        using var _ = Tensor.NoGrad();
        var data = Task.Sample(sampleRng);
        var logits = Model.Unroll(data.Observations);
        return Task.ToHumanReadable(data, Task.Prediction(logits, data.Mask));
    }

    /// <summary>Runs one episode of a fresh batch and writes the memory heatmaps page.</summary>
    public void WriteVisualisation(string path)
    {
        using var _ = Tensor.NoGrad();
        var data = Task.Sample(sampleRng);
        var trace = new EpisodeTrace();
        var logits = Model.Unroll(data.Observations, trace);
        var page = HtmlVisualizer.Render(
            $"{Model.Name.ToUpperInvariant()} memory over one {Task.Name} episode (after {CompletedSteps} steps)",
            trace.ToHeatmaps(), Task.ToHumanReadable(data, Task.Prediction(logits, data.Mask)));
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            File.WriteAllText(path, page);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--viz {path}: cannot write the page ({e.Message})");
        }
        reporter.Info($"Wrote {path}.");
    }

    /// <summary>Writes a checkpoint of the current step (when checkpoints are on).</summary>
    public void SaveCheckpoint()
    {
        if (checkpoints is null) return;
        var metadata = new Dictionary<string, string>
        {
            [Checkpoint.ConfigurationKey] = options.ConfigurationJson(),
            [Checkpoint.RngStateKey] = dataRng.SaveState(),
            [CheckpointStore.SampleRngStateKey] = sampleRng.SaveState(),
        };
        string path = checkpoints.Save(CompletedSteps, Model.NamedParameters(), optimizer, metadata);
        lastSavedStep = CompletedSteps;
        reporter.Info($"Saved checkpoint {path}.");
    }

    // Resumes from the newest checkpoint, if any; returns its path.
    private string? TryResume()
    {
        if (checkpoints is null || checkpoints.FindLatest() is null) return null;
        ConnectModel();
        var loaded = checkpoints.LoadLatest(options.ConfigurationJson(), Model.NamedParameters(), optimizer);
        if (loaded is not { } checkpoint) return null;
        string Meta(string key) => checkpoint.Metadata.TryGetValue(key, out var v) ? v
            : throw new UsageException($"checkpoint {checkpoint.Path} is corrupted (no '{key}' in its header)");
        if (!int.TryParse(Meta(Checkpoint.StepKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out int step) || step < 0)
            throw new UsageException($"checkpoint {checkpoint.Path} is corrupted (bad step '{Meta(Checkpoint.StepKey)}')");
        try
        {
            dataRng.LoadState(Meta(Checkpoint.RngStateKey));
            sampleRng.LoadState(Meta(CheckpointStore.SampleRngStateKey));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new UsageException($"checkpoint {checkpoint.Path} is corrupted (bad RNG state: {e.Message})");
        }
        CompletedSteps = step;
        return checkpoint.Path;
    }

    // Parameters are created on the first call; one step on zeros creates them without touching the data stream.
    private void ConnectModel()
    {
        using var _ = Tensor.NoGrad();
        Model.Unroll(Tensor.Zeros(1, options.BatchSize, Task.ObservationSize));
    }
}

/// <summary>What <see cref="Trainer.Run"/> did.</summary>
/// <param name="Steps">Steps completed in total (including before a resume).</param>
/// <param name="Interrupted">Whether the run stopped early on cancellation.</param>
/// <param name="Losses">The loss of every step run in this call.</param>
/// <param name="Errors">The task's error measure (bit errors per sequence, absolute error, accuracy) of every step run in this call.</param>
public sealed record TrainResult(int Steps, bool Interrupted, IReadOnlyList<float> Losses, IReadOnlyList<float> Errors);
