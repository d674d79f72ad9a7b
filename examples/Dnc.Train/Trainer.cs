using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain;

/// <summary>
/// DeepMind's <c>train.py</c> over any model and task: the library's <see cref="SequenceTrainer"/> with TF1-style RMSProp,
/// plus what the command line adds: the run's configuration in every checkpoint, reports with a readable sample, the
/// memory page, and one-line errors.
/// </summary>
public sealed class Trainer
{
    private readonly TrainOptions options;
    private readonly Reporter reporter;
    private readonly IEpisodeRenderer renderer;
    private readonly SequenceTrainer trainer;

    /// <summary>Builds the model, task and optimizer; touches no files until <see cref="Run"/>.</summary>
    public Trainer(TrainOptions options, Reporter? reporter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.reporter = reporter ?? new Reporter(TextWriter.Null, interactive: false, options.NumTrainingIterations);
        (Task, renderer) = TaskRegistry.Create(options);
        Model = ModelRegistry.Create(options, Task.TargetSize);
        trainer = new SequenceTrainer(Model.Sequence, Task, RmsProp.TensorFlow1(options.LearningRate, epsilon: options.OptimizerEpsilon),
            new TrainerOptions
            {
                Seed = options.Seed,
                MaxGradNorm = options.MaxGradNorm,
                CheckpointDirectory = options.CheckpointsEnabled ? options.CheckpointDir : null,
                CheckpointInterval = options.CheckpointInterval,
                Configuration = options.ConfigurationJson(),
                ConfigurationDefaults = TrainOptions.LegacyConfigurationDefaults(),
            });
        trainer.CheckpointSaved += path => this.reporter.Info($"Saved checkpoint {path}.");
    }

    /// <summary>The task being trained on.</summary>
    public ITask Task { get; }

    /// <summary>The model; its parameters exist after the first step (or after a resume).</summary>
    public TrainingModel Model { get; }

    /// <summary>The library trainer underneath (steps, checkpoints, callbacks).</summary>
    public SequenceTrainer Steps => trainer;

    /// <summary>Training steps completed, including those before a resume.</summary>
    public int CompletedSteps => trainer.CompletedSteps;

    /// <summary>The model's parameters by path.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Parameters => Model.Module.NamedParameters();

    /// <summary>
    /// Trains up to <c>--num-training-iterations</c>, resuming from the latest checkpoint first. Stops early
    /// (after saving a checkpoint) when <paramref name="cancellation"/> fires.
    /// </summary>
    /// <exception cref="UsageException">The checkpoint directory is unusable or holds an incompatible checkpoint, or the run diverged.</exception>
    public RunResult Run(CancellationToken cancellation = default)
    {
        if (options.CheckpointsEnabled) EnsureWritable(options.CheckpointDir);
        reporter.Info(options.CheckpointsEnabled ? $"Checkpoints: {options.CheckpointDir}" : "Checkpoints: off");
        using var log = options.LogFile is null ? null : RunLog.Open(options.LogFile);
        try
        {
            if (trainer.Resume() is { } resumedFrom) reporter.Info($"Resumed from {resumedFrom} at step {CompletedSteps}.");
            double lossSum = 0, metricSum = 0;
            int sinceReport = 0;
            int? lesson = null;
            var losses = new List<float>();
            var metrics = new List<float>();
            var records = new List<LogRecord>();
            void OnEvaluated(EvaluationReport evaluation) => lesson = evaluation.Promoted ? evaluation.Lesson + 1 : evaluation.Lesson;
            void OnStep(StepReport step)
            {
                losses.Add(step.Loss);
                metrics.Add(step.Metric);
                lossSum += step.Loss;
                metricSum += step.Metric;
                sinceReport++;
                reporter.Progress(step.Step, step.Loss);
                bool last = step.Step >= options.NumTrainingIterations;
                if ((step.Step % options.ReportInterval != 0 && !last) || !reporter.ReportDue(step.Step)) return;
                double rate = reporter.TakeReportRate(step.Step);
                var record = new LogRecord(step.Step, lossSum / sinceReport, Task.MetricName, metricSum / sinceReport, rate,
                    reporter.ElapsedSeconds, lesson);
                records.Add(record);
                log?.Write(record);
                reporter.Report(step.Step - 1, (float)record.Loss, Task.MetricName, (float)record.Value, options.Quiet ? "" : Sample(), rate);
                lossSum = metricSum = 0;
                sinceReport = 0;
            }
            trainer.StepCompleted += OnStep;
            trainer.Evaluated += OnEvaluated;
            TrainResult result;
            reporter.Start(CompletedSteps);
            try
            {
                result = trainer.Run(options.NumTrainingIterations, cancellation);
            }
            finally
            {
                trainer.StepCompleted -= OnStep;
                trainer.Evaluated -= OnEvaluated;
            }
            if (result.Interrupted) reporter.Info($"Interrupted at step {CompletedSteps}" + (options.CheckpointsEnabled ? "; checkpoint saved." : "."));
            if (options.Viz is not null) WriteVisualisation(options.Viz);
            if (options.Plot is not null)
            {
                log?.Dispose();
                // The log holds the runs before a resume too, so it is the fuller history when there is one.
                CurvePlot.Write(options.Plot, [(Model.Name, options.LogFile is null ? records : RunLog.Read(options.LogFile))]);
                reporter.Info($"Wrote {options.Plot}.");
            }
            return new RunResult(result.Steps, result.Interrupted, losses, metrics);
        }
        catch (TrainingException e)
        {
            throw new UsageException(e.Message.Contains("another configuration", StringComparison.Ordinal)
                ? e.Message + $"; rerun with the flags it was written with, pass another --checkpoint-dir, or delete {options.CheckpointDir} to start over"
                : e.Message);
        }
    }

    /// <summary>One training iteration on a fresh batch.</summary>
    public StepReport TrainStep() => trainer.TrainStep();

    /// <summary>A fresh batch with the model's prediction, as the task's readable text.</summary>
    public string Sample()
    {
        using var _ = Tensor.NoGrad();
        var batch = trainer.SampleBatch();
        return renderer.Render(batch, Model.Sequence.Unroll(batch.Observations));
    }

    /// <summary>Runs one episode of a fresh batch and writes the memory heatmaps page.</summary>
    public void WriteVisualisation(string path)
    {
        using var _ = Tensor.NoGrad();
        var batch = trainer.SampleBatch();
        var trace = new EpisodeTrace();
        Model.Memory.Trace = trace.Add;
        Tensor logits;
        try
        {
            logits = Model.Sequence.Unroll(batch.Observations);
        }
        finally
        {
            Model.Memory.Trace = null;
        }
        var page = HtmlVisualizer.Render(trace.ToPage(
            $"{Model.Name.ToUpperInvariant()} memory over one {Choices.Name(options.Task)} episode (after {CompletedSteps} steps)",
            batch, logits, Task is Modules.Dnc.Tasks.DigitSequenceTask, renderer.Render(batch, logits)));
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
        try
        {
            trainer.SaveCheckpoint();
        }
        catch (TrainingException e)
        {
            throw new UsageException(e.Message);
        }
    }

    // The directory must exist (or be creatable) and accept files before any training time is spent.
    private static void EnsureWritable(string directory)
    {
        if (File.Exists(directory)) throw new UsageException($"--checkpoint-dir {directory} is a file, not a directory");
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--checkpoint-dir {directory} is not writable ({e.Message.ReplaceLineEndings(" ")})");
        }
    }
}

/// <summary>What <see cref="Trainer.Run"/> did.</summary>
/// <param name="Steps">Steps completed in total (including before a resume).</param>
/// <param name="Interrupted">Whether the run stopped early on cancellation.</param>
/// <param name="Losses">The loss of every step run in this call.</param>
/// <param name="Metrics">The task's metric (bit errors per sequence, absolute error, accuracy) of every step run in this call.</param>
public sealed record RunResult(int Steps, bool Interrupted, IReadOnlyList<float> Losses, IReadOnlyList<float> Metrics);
