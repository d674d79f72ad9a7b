using System.Globalization;
using Modules.Checkpoints;
using Modules.Dnc.Tasks.Babi;
using Modules.Dnc.Tasks.Graph;
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

    private string? lastSaved;

    /// <summary>
    /// Builds the model, task and optimizer after checking that the configuration fits in memory
    /// (<see cref="ResourceEstimate"/>); touches no files until <see cref="Run"/>.
    /// </summary>
    /// <param name="options">The run's flags.</param>
    /// <param name="reporter">Where progress goes (nowhere when null).</param>
    /// <param name="group">The ranks of a <c>--distributed</c> run, or null for one process.</param>
    /// <exception cref="UsageException">A flag is out of range or the configuration cannot fit in memory.</exception>
    public Trainer(TrainOptions options, Reporter? reporter = null, IProcessGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ResourceEstimate.Of(options).Check(options, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        this.options = options;
        this.reporter = reporter ?? new Reporter(TextWriter.Null, interactive: false, options.NumTrainingIterations);
        (Task, renderer) = TaskRegistry.Create(options);
        Model = ModelRegistry.Create(options, Task.TargetSize);
        trainer = new SequenceTrainer(Model.Sequence, Task, CreateOptimizer(options),
            new TrainerOptions
            {
                Seed = options.Seed,
                MaxGradNorm = options.MaxGradNorm,
                BatchShards = options.BatchShards,
                MaxNonFiniteSteps = options.MaxNonFiniteSteps,
                CheckpointDirectory = options.CheckpointsEnabled ? options.CheckpointDir : null,
                CheckpointInterval = options.CheckpointInterval,
                EvaluationInterval = options.EvaluationInterval,
                EvaluationEpisodes = options.EvaluationSize,
                Configuration = options.ConfigurationJson(),
                ConfigurationDefaults = TrainOptions.LegacyConfigurationDefaults(options.Model),
                CheckpointsKept = CheckpointsKept,
                Group = group,
            });
        trainer.CheckpointSaved += path =>
        {
            lastSaved = path;
            this.reporter.Info($"Saved checkpoint {path}.");
        };
        if (Task is GraphTask graph) trainer.Evaluated += e => this.reporter.Info(Describe(graph, e));
    }

    /// <summary>The optimizer of <c>--optimizer</c> with <c>--learning-rate</c> and <c>--optimizer-epsilon</c>.</summary>
    public static Optimizer CreateOptimizer(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Optimizer switch
        {
            OptimizerKind.RmsProp => RmsProp.TensorFlow1(options.LearningRate, epsilon: options.OptimizerEpsilon),
            OptimizerKind.Adam => new Adam(options.LearningRate, epsilon: options.OptimizerEpsilon),
            _ => throw new UsageException($"--optimizer {(int)options.Optimizer} is not an optimizer"),
        };
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

    /// <summary>Checkpoints kept by rotation (the newest ones, and always the newest valid one).</summary>
    public const int CheckpointsKept = 5;

    /// <summary>
    /// Trains up to <c>--num-training-iterations</c>, resuming first: from <c>--resume-from</c>, from the newest valid
    /// checkpoint with <c>--resume-newest-valid</c>, else from the newest checkpoint, which must pass every check. Stops
    /// early (after saving a checkpoint) when <paramref name="cancellation"/> fires.
    /// </summary>
    /// <exception cref="UsageException">The checkpoint directory or <c>--viz</c> path is unusable, or the checkpoint to
    /// resume fails a check or belongs to another configuration.</exception>
    /// <exception cref="DivergedException">Too many non-finite steps in a row (<c>--max-non-finite-steps</c>).</exception>
    public RunResult Run(CancellationToken cancellation = default)
    {
        if (options.CheckpointsEnabled) EnsureWritable(options.CheckpointDir, $"--checkpoint-dir {options.CheckpointDir}");
        if (options.Viz is not null) EnsureWritableFile(options.Viz);
        reporter.Info(options.CheckpointsEnabled ? $"Checkpoints: {options.CheckpointDir}" : "Checkpoints: off");
        using var log = options.LogFile is null ? null : RunLog.Open(options.LogFile);
        try
        {
            Resume();
            double lossSum = 0, metricSum = 0;
            int sinceReport = 0;
            int? lesson = null;
            var losses = new List<float>();
            var metrics = new List<float>();
            bool previousApplied = true;
            var records = new List<LogRecord>();
            var evaluations = new List<EvaluationRecord>();
            void OnEvaluated(EvaluationReport evaluation)
            {
                lesson = evaluation.Promoted ? evaluation.Lesson + 1 : evaluation.Lesson;
                var record = new EvaluationRecord(evaluation.Step, evaluation.Lesson, evaluation.Accuracy, evaluation.Episodes, evaluation.Promoted);
                evaluations.Add(record);
                log?.Write(record);
            }
            void OnStep(StepReport step)
            {
                // Once per streak of skipped steps, so a run that recovers says so without flooding the output.
                if (!step.Applied && previousApplied)
                    reporter.Info(string.Create(CultureInfo.InvariantCulture,
                        $"warning: step {step.Step} not applied: loss {step.Loss}, gradient norm {step.GradientNorm} (stops after {options.MaxNonFiniteSteps} in a row)."));
                previousApplied = step.Applied;
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
            if (options.Viz is not null && trainer.Rank == 0) WriteVisualisation(options.Viz);
            if (Task is BabiTask babi && trainer.Rank == 0) reporter.Info(ScoreTest(babi));
            if (options.Plot is not null && trainer.Rank == 0)
            {
                log?.Dispose();
                // The log holds the runs before a resume too, so it is the fuller history when there is one.
                CurvePlot.Write(options.Plot, [(Model.Name, options.LogFile is null ? new RunHistory(records, evaluations) : RunLog.ReadHistory(options.LogFile))]);
                reporter.Info($"Wrote {options.Plot}.");
            }
            return new RunResult(result.Steps, result.Interrupted, losses, metrics);
        }
        catch (TrainingDivergedException e)
        {
            throw new DivergedException(e.Message + "; " + (lastSaved is not null
                ? $"the newest checkpoint saved, {lastSaved}, holds finite parameters"
                : "no checkpoint was saved by this run (checkpoints never hold non-finite parameters)"));
        }
        catch (TrainingException e)
        {
            throw new UsageException(e.Message.Contains("another configuration", StringComparison.Ordinal)
                ? e.Message + $"; rerun with the flags it was written with, pass another --checkpoint-dir, or delete {options.CheckpointDir} to start over"
                : e.Message);
        }
    }

    /// <summary>An evaluation in words: <c>step 400: lesson 0: 3–5 nodes, degree 1–2, path 1: 93.8 % fully correct of 256 (pass 90 %); now lesson 1 of 8</c>.</summary>
    public static string Describe(GraphTask task, EvaluationReport e)
    {
        ArgumentNullException.ThrowIfNull(task);
        string outcome = e.Promoted ? $"; now lesson {task.Lesson} of {task.LessonCount}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"step {e.Step}: {task.Describe(e.Lesson)}: {100 * e.Accuracy:0.0} % fully correct of {e.Episodes} (pass {100 * task.PassThreshold:0.#} %){outcome}");
    }

    /// <summary>
    /// The bAbI error table (<see cref="BabiScore"/>) of the model on the test stories, or on the validation stories when
    /// the directory has no test files: per task, the mean and the failed tasks.
    /// </summary>
    public string ScoreTest(BabiTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var (split, stories) = task.Data.Test.Count > 0 ? ("test", task.Data.Test) : ("validation", task.Data.Validation);
        if (stories.Count == 0) return "No test or validation stories to score.";
        var score = new BabiScore();
        using var _ = Tensor.NoGrad();
        foreach (var chunk in stories.Chunk(task.BatchSize))
        {
            var batch = task.Vocabulary.Encode(chunk);
            task.Score(chunk, Model.Sequence.Unroll(batch.Observations), batch, score);
        }
        return $"bAbI error on the {stories.Count} {split} stories after {CompletedSteps} steps:\n{score}";
    }

    // Resumes as the flags say; never falls back silently to an older checkpoint.
    private void Resume()
    {
        string? path = options.ResumeFrom;
        if (path is null && options.ResumeNewestValid)
        {
            var search = new CheckpointDirectory(options.CheckpointDir, CheckpointsKept, TrainOptions.LegacyConfigurationDefaults(options.Model))
                .FindLatestValid();
            foreach (var rejected in search.Rejected) reporter.Info($"warning: skipped checkpoint {rejected.Reason}");
            if (search.Latest is null && search.Rejected.Count > 0)
                throw new UsageException($"--resume-newest-valid: none of the {search.Rejected.Count} checkpoint(s) in {options.CheckpointDir} " +
                                         $"passes every check (newest: {search.Rejected[0].Reason})");
            path = search.Latest?.Path;
        }
        if (trainer.Resume(path) is not { } resumedFrom) return;
        reporter.Info($"Resumed from {resumedFrom} at step {CompletedSteps}.");
        if (!trainer.Verified)
            reporter.Info($"warning: {resumedFrom} records no checksums (written before they existed), so its data could not be verified.");
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
        var memory = Model.Memory ?? throw new UsageException($"--viz needs a model with memory, not --model {Model.Name}");
        memory.Trace = trace.Add;
        Tensor logits;
        try
        {
            logits = Model.Sequence.Unroll(batch.Observations);
        }
        finally
        {
            memory.Trace = null;
        }
        var page = HtmlVisualizer.Render(trace.ToPage(
            $"{Model.Name.ToUpperInvariant()} memory over one {Choices.Name(options.Task)} episode (after {CompletedSteps} steps)",
            batch, logits, Task is Modules.Dnc.Tasks.DigitSequenceTask, renderer.Render(batch, logits),
            Task is GraphTask ? GraphEpisodePanels.Of(batch, logits) : null));
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

    // The page is written after training, so its directory must exist (or be creatable) and accept files before.
    private static void EnsureWritableFile(string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"--viz {path} is a directory, not a file");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        EnsureWritable(dir, $"--viz {path}: {dir}");
    }

    // The directory must exist (or be creatable) and accept files before any training time is spent; `subject` names it.
    private static void EnsureWritable(string directory, string subject)
    {
        if (File.Exists(directory)) throw new UsageException($"{subject} is a file, not a directory");
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{subject} is not writable ({e.Message.ReplaceLineEndings(" ")})");
        }
    }
}

/// <summary>What <see cref="Trainer.Run"/> did.</summary>
/// <param name="Steps">Steps completed in total (including before a resume).</param>
/// <param name="Interrupted">Whether the run stopped early on cancellation.</param>
/// <param name="Losses">The loss of every step run in this call.</param>
/// <param name="Metrics">The task's metric (bit errors per sequence, absolute error, accuracy) of every step run in this call.</param>
public sealed record RunResult(int Steps, bool Interrupted, IReadOnlyList<float> Losses, IReadOnlyList<float> Metrics);
