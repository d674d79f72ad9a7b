using System.Globalization;
using System.Text;
using Modules.Checkpoints;
using Modules.Tensors;

namespace Modules.Training;

/// <summary>
/// Trains a sequence model on a task, DeepMind's <c>train.py</c> step in the library: draw a batch, unroll, the task's
/// masked loss, backward, (with ranks: sum the gradients over them), global-norm clip, optimizer step. A step whose loss or
/// gradient norm is not finite is not applied, and too many in a row stop the run. Checkpoints hold the parameters, the
/// optimizer's slots, the batch streams and the curriculum lesson, so a resumed run continues exactly as if it had never
/// stopped. Progress is reported through the <see cref="StepCompleted"/>, <see cref="Evaluated"/> and
/// <see cref="CheckpointSaved"/> callbacks; the trainer itself prints nothing.
/// </summary>
/// <remarks>
/// Random streams: the training batches come from <see cref="DataStream"/>(seed, rank); report samples (<see cref="SampleBatch"/>)
/// and curriculum evaluations have streams of their own, so reporting and evaluation never change what the model trains on.
/// With a process group every rank draws its own batches, the summed gradients are divided by the number of ranks (the
/// loss is each rank's batch mean, so this is the mean over the global batch), and every rank applies the same update;
/// only rank 0 writes checkpoints, and every rank reads the newest one on resume (the directory must be shared).
/// </remarks>
public sealed class SequenceTrainer
{
    /// <summary>Checkpoint metadata key of the report-sample stream's state.</summary>
    public const string SampleRngStateKey = "sample_rng_state";

    /// <summary>Checkpoint metadata key of the curriculum lesson.</summary>
    public const string LessonKey = "lesson";

    /// <summary>Checkpoint metadata key of the number of ranks that wrote it.</summary>
    public const string RanksKey = "ranks";

    private readonly TrainerOptions options;
    private readonly Generator dataRng;
    private readonly Generator sampleRng;
    private readonly Generator evaluationRng;
    private readonly IProcessGroup? group;
    private int nonFiniteInARow;
    private int lastSavedStep = -1;
    private float[]? gradientBuffer;
    private readonly TensorArena arena = new();
    private readonly BatchShardRunner shards;
    private readonly CheckpointDirectory? directory;

    /// <summary>Creates the trainer; nothing is read or written until <see cref="Resume"/> or <see cref="Run"/>.</summary>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public SequenceTrainer(ISequenceModel model, ITask task, Optimizer optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(optimizer);
        this.options = options ?? new TrainerOptions();
        if (this.options.MaxNonFiniteSteps < 1)
            throw new ArgumentException($"TrainerOptions.MaxNonFiniteSteps must be at least 1, got {this.options.MaxNonFiniteSteps}", nameof(options));
        if (this.options.EvaluationEpisodes < 1)
            throw new ArgumentException($"TrainerOptions.EvaluationEpisodes must be at least 1, got {this.options.EvaluationEpisodes}", nameof(options));
        if (this.options.BatchShards < 1 || this.options.BatchShards > task.BatchSize)
            throw new ArgumentException($"TrainerOptions.BatchShards must be between 1 and the batch size {task.BatchSize}, got {this.options.BatchShards}", nameof(options));
        if (this.options.CheckpointsKept < 1)
            throw new ArgumentException($"TrainerOptions.CheckpointsKept must be at least 1, got {this.options.CheckpointsKept}", nameof(options));
        Model = model;
        Task = task;
        Optimizer = optimizer;
        group = this.options.Group is { Size: > 1 } g ? g : null;
        dataRng = DataStream(this.options.Seed, Rank);
        shards = new BatchShardRunner(this);
        sampleRng = new Generator(this.options.Seed * 2 + 2);
        evaluationRng = new Generator(unchecked(this.options.Seed ^ 0x5EED_E7A1_0000_0000UL));
        if (this.options.CheckpointDirectory is { } path)
            directory = new CheckpointDirectory(path, this.options.CheckpointsKept, this.options.ConfigurationDefaults);
    }

    /// <summary>The model being trained.</summary>
    public ISequenceModel Model { get; }

    /// <summary>The task it is trained on.</summary>
    public ITask Task { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Training steps completed, including those before a resume.</summary>
    public int CompletedSteps { get; private set; }

    /// <summary>This process's rank (0 without a group).</summary>
    public int Rank => options.Group?.Rank ?? 0;

    /// <summary>Called after every step.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Called after every held-out evaluation of a curriculum task.</summary>
    public event Action<EvaluationReport>? Evaluated;

    /// <summary>Called with the path of every checkpoint written (rank 0 only).</summary>
    public event Action<string>? CheckpointSaved;

    /// <summary>
    /// The generator of the training batches of <paramref name="rank"/>: rank 0's is the one a single process uses
    /// (seeded with 2·seed + 1), the others are seeded from the seed and the rank.
    /// </summary>
    public static Generator DataStream(ulong seed, int rank = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ulong stream = seed * 2 + 1;
        return new Generator(rank == 0 ? stream : unchecked(stream ^ (0x9E37_79B9_7F4A_7C15UL * (ulong)rank)));
    }

    /// <summary>
    /// One training step on the next batch: unroll, loss, backward, gradients summed over the ranks, clip, update (when
    /// the loss and the gradient norm are finite).
    /// </summary>
    /// <returns>What the step did.</returns>
    /// <exception cref="TrainingDivergedException">Too many non-finite steps in a row.</exception>
    public StepReport TrainStep()
    {
        StepReport report;
        // The step's forward results live in the arena and are reused by the next step; only values leave the scope.
        using (arena.Enter())
        {
            var batch = Task.Sample(dataRng);
            Connect();
            var parameters = Model.Module.NamedParameters();
            Optimizer.ZeroGrad(parameters);
            var (logits, lossValue) = shards.Run(batch, parameters);
            if (group is not null) AllReduceGradients(parameters, group);
            float norm = options.MaxGradNorm > 0f
                ? GradientClipping.ClipGradientsByGlobalNorm(parameters, options.MaxGradNorm)
                : GradientClipping.GlobalNorm(parameters);
            if (group is not null) lossValue = MeanOverRanks(lossValue, group);
            bool applied = float.IsFinite(lossValue) && float.IsFinite(norm);
            if (applied)
            {
                Optimizer.Step(parameters);
                nonFiniteInARow = 0;
            }
            else
            {
                Optimizer.ZeroGrad(parameters);
                nonFiniteInARow++;
            }
            CompletedSteps++;
            report = new StepReport(CompletedSteps, lossValue, Task.Metric(logits, batch), norm, applied, batch.Observations.Dim(0));
        }
        StepCompleted?.Invoke(report);
        if (nonFiniteInARow >= options.MaxNonFiniteSteps) throw new TrainingDivergedException(CompletedSteps, nonFiniteInARow);
        if (Task is ICurriculum curriculum && options.EvaluationInterval > 0 && CompletedSteps % options.EvaluationInterval == 0)
            Evaluate(curriculum);
        return report;
    }

    /// <summary>
    /// Trains until <paramref name="totalSteps"/> steps are completed (counting those before a resume), writing checkpoints
    /// every <see cref="TrainerOptions.CheckpointInterval"/> steps and at the end. Stops early, after writing a checkpoint,
    /// when <paramref name="cancellation"/> fires.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The run diverged; the last checkpoint on disk is from before (every checkpoint holds finite parameters).</exception>
    /// <exception cref="TrainingException">A checkpoint cannot be written.</exception>
    public TrainResult Run(int totalSteps, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        int first = CompletedSteps;
        bool interrupted = false;
        while (CompletedSteps < totalSteps)
        {
            if (cancellation.IsCancellationRequested) { interrupted = true; break; }
            TrainStep();
            if (options.CheckpointInterval > 0 && CompletedSteps % options.CheckpointInterval == 0) SaveCheckpoint();
        }
        if (CompletedSteps > first && lastSavedStep != CompletedSteps) SaveCheckpoint();
        return new TrainResult(CompletedSteps, CompletedSteps - first, interrupted);
    }

    /// <summary>
    /// Resumes from <paramref name="path"/>, or from the newest checkpoint in <see cref="TrainerOptions.CheckpointDirectory"/>
    /// when it is null: parameters, optimizer slots, the step, the batch streams and the curriculum lesson.
    /// </summary>
    /// <returns>The checkpoint resumed from, or null when there is none.</returns>
    /// <exception cref="TrainingException">The checkpoint belongs to another configuration or number of ranks, or is unreadable.</exception>
    public string? Resume(string? path = null)
    {
        path ??= directory?.FindLatest();
        if (path is null) return null;
        Connect();
        try
        {
            var header = CheckpointDirectory.Validate(path);
            int ranks = header.Metadata.TryGetValue(RanksKey, out var r) && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1;
            if (ranks != (options.Group?.Size ?? 1))
                throw new TrainingException($"checkpoint {path} was written by {ranks} rank(s), this run has {options.Group?.Size ?? 1}; " +
                                            "resume with the same number of ranks");
            var file = (directory ?? new CheckpointDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, options.CheckpointsKept,
                    options.ConfigurationDefaults))
                .Load(path, options.Configuration, Model.Module.NamedParameters(), Optimizer);
            if (file.Step is not { } step || step > int.MaxValue) throw new CheckpointException(path, "the header records no training step");
            file.RestoreGenerator(group is null ? Checkpoint.RngStateKey : RankRngKey(Rank), dataRng);
            file.RestoreGenerator(SampleRngStateKey, sampleRng);
            if (file.Metadata.ContainsKey(EvaluationRngKey)) file.RestoreGenerator(EvaluationRngKey, evaluationRng);
            if (Task is ICurriculum curriculum && file.Metadata.TryGetValue(LessonKey, out var lessonText))
            {
                if (!int.TryParse(lessonText, NumberStyles.None, CultureInfo.InvariantCulture, out int lesson) || lesson >= curriculum.LessonCount)
                    throw new CheckpointException(path, $"lesson '{lessonText}' is not one of the task's {curriculum.LessonCount}");
                curriculum.SetLesson(lesson);
            }
            CompletedSteps = (int)step;
            lastSavedStep = CompletedSteps;
            Verified = file.Verified;
            return path;
        }
        catch (CheckpointMismatchException e)
        {
            throw new TrainingException($"checkpoint {e.FilePath}: {e.Summary}", e);
        }
        catch (CheckpointException e)
        {
            throw new TrainingException($"checkpoint {e.FilePath}: {e.Problem}", e);
        }
    }

    /// <summary>Whether the checkpoint <see cref="Resume"/> read carried checksums (false for files written before they existed).</summary>
    public bool Verified { get; private set; } = true;

    /// <summary>
    /// Writes a checkpoint of the current step into <see cref="TrainerOptions.CheckpointDirectory"/> (rank 0; the other
    /// ranks contribute their stream states) and keeps the newest <see cref="TrainerOptions.CheckpointsKept"/>.
    /// Parameters that are not all finite are never written.
    /// </summary>
    /// <returns>The file written, or null (no directory, another rank, or non-finite parameters).</returns>
    /// <exception cref="TrainingException">The file cannot be written.</exception>
    public string? SaveCheckpoint()
    {
        if (options.CheckpointDirectory is null) return null;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Checkpoint.ConfigurationKey] = options.Configuration,
            [SampleRngStateKey] = sampleRng.SaveState(),
            [EvaluationRngKey] = evaluationRng.SaveState(),
        };
        if (group is null) metadata[Checkpoint.RngStateKey] = dataRng.SaveState();
        else
        {
            var states = GatherStreamStates(group);
            for (int rank = 0; rank < states.Length; rank++) metadata[RankRngKey(rank)] = states[rank];
            metadata[RanksKey] = group.Size.ToString(CultureInfo.InvariantCulture);
        }
        if (Task is ICurriculum curriculum) metadata[LessonKey] = curriculum.Lesson.ToString(CultureInfo.InvariantCulture);
        // Every rank records the attempt, so Run's final save (a collective, through the stream gathering) is skipped or
        // made on all ranks alike.
        lastSavedStep = CompletedSteps;
        if (Rank != 0 || directory is null) return null;
        var parameters = Model.Module.NamedParameters();
        foreach (var (_, tensor) in parameters)
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(tensor.Values)) return null;
        string path;
        try
        {
            path = directory.Save(CompletedSteps, parameters, Optimizer, metadata);
        }
        catch (CheckpointException e)
        {
            throw new TrainingException($"checkpoint {e.FilePath}: {e.Problem}", e);
        }
        CheckpointSaved?.Invoke(path);
        return path;
    }

    /// <summary>A batch from the report-sample stream (not the training stream), for showing the model's progress.</summary>
    public DatasetTensors SampleBatch() => Task.Sample(sampleRng);

    /// <summary>Creates the model's parameters (modules create them on their first call) with one step on zeros, touching no stream.</summary>
    public void Connect()
    {
        if (Model.Module.NamedParameters().Count > 0) return;
        using (Tensor.NoGrad()) Model.Unroll(Tensor.Zeros(1, Task.BatchSize, Task.ObservationSize));
        if (group is not null) BroadcastParameters(group);
    }

    // Held-out batches until EvaluationEpisodes episodes are answered; each batch's accuracy weighs by its episodes, so
    // the decision rests on all of them (one batch of 16 made promotion a coin toss near the threshold).
    private void Evaluate(ICurriculum curriculum)
    {
        int lesson = curriculum.Lesson;
        double correct = 0;
        int episodes = 0;
        using (Tensor.NoGrad())
            while (episodes < options.EvaluationEpisodes)
            {
                using var scope = arena.Enter();   // only the accuracy leaves a batch: its results reuse the step's storage
                var batch = curriculum.SampleEvaluation(evaluationRng);
                int size = batch.Observations.Dim(1);
                correct += (double)curriculum.Accuracy(Model.Unroll(batch.Observations), batch) * size;
                episodes += size;
            }
        float accuracy = (float)(correct / episodes);
        bool promoted = accuracy >= curriculum.PassThreshold && lesson + 1 < curriculum.LessonCount;
        if (promoted) curriculum.SetLesson(lesson + 1);
        Evaluated?.Invoke(new EvaluationReport(CompletedSteps, lesson, accuracy, promoted, episodes));
    }

    private const string EvaluationRngKey = "evaluation_rng_state";

    private static string RankRngKey(int rank) => rank == 0 ? Checkpoint.RngStateKey : $"{Checkpoint.RngStateKey}_rank{rank}";

    // Every parameter's gradient (zeros where there is none) in one flat buffer, summed over the ranks, divided by their number.
    private void AllReduceGradients(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, IProcessGroup ranks)
    {
        int total = 0;
        for (int i = 0; i < parameters.Count; i++) total += parameters[i].Value.Size;
        if (gradientBuffer is null || gradientBuffer.Length != total) gradientBuffer = new float[total];
        var buffer = gradientBuffer.AsSpan();
        int offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i].Value;
            var slice = buffer.Slice(offset, p.Size);
            if (p.Grad is { } g) g.Values.CopyTo(slice);
            else slice.Clear();
            offset += p.Size;
        }
        ranks.AllReduceSum(buffer);
        System.Numerics.Tensors.TensorPrimitives.Multiply(buffer, 1f / ranks.Size, buffer);
        offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i].Value;
            var slice = buffer.Slice(offset, p.Size);
            if (p.Grad is null) p.Grad = new Tensor(slice.ToArray(), p.ShapeArray());
            else slice.CopyTo(p.Grad.Data);
            offset += p.Size;
        }
    }

    private static float MeanOverRanks(float value, IProcessGroup ranks)
    {
        Span<float> one = [value];
        ranks.AllReduceSum(one);
        return one[0] / ranks.Size;
    }

    private void BroadcastParameters(IProcessGroup ranks)
    {
        foreach (var (_, p) in Model.Module.NamedParameters()) ranks.Broadcast(p.Data, 0);
    }

    // Every rank's batch-stream state, gathered on every rank (fixed-length UTF-8 text blocks).
    private string[] GatherStreamStates(IProcessGroup ranks)
    {
        var mine = Encoding.UTF8.GetBytes(dataRng.SaveState());
        var all = new byte[mine.Length * ranks.Size];
        ranks.AllGather(mine, all);
        var states = new string[ranks.Size];
        for (int r = 0; r < ranks.Size; r++) states[r] = Encoding.UTF8.GetString(all, r * mine.Length, mine.Length);
        return states;
    }

    // A step's batch cut into TrainerOptions.BatchShards shards (one: the whole batch): each shard sliced, unrolled, costed
    // and back-propagated in an arena of its own on whichever thread runs it; its logits are copied into the whole
    // batch's, for the metric.
    private sealed class BatchShardRunner(SequenceTrainer trainer)
    {
        private readonly ShardedBackward backward = new();
        private readonly TensorArena[] arenas = [.. Enumerable.Range(0, trainer.options.BatchShards).Select(_ => new TensorArena())];
        private readonly float[] losses = new float[trainer.options.BatchShards];
        private (int Start, int Count)[] ranges = [];
        private int rangesOf = -1;

        public (Tensor Logits, float Loss) Run(DatasetTensors batch, IReadOnlyList<KeyValuePair<string, Tensor>> parameters)
        {
            int size = batch.Observations.Dim(1);
            if (rangesOf != size) (ranges, rangesOf) = (DataParallel.Partition(size, arenas.Length), size);
            // Uncleared: the shards together write every element.
            var logits = Tensor.AllocateUninitialized(batch.Observations.Dim(0), size, trainer.Task.TargetSize);
            backward.Run(parameters, 0, arenas.Length, (this, batch, logits), static (s, shard) => s.Item1.RunShard(shard, s.batch, s.logits));
            float loss = 0f;
            foreach (float share in losses) loss += share;
            return (logits, loss);
        }

        private void RunShard(int shard, DatasetTensors batch, Tensor logits)
        {
            using var scope = arenas[shard].Enter();
            var (start, count) = ranges[shard];
            var part = new DatasetTensors(batch.Observations.Slice(1, start, count), batch.Targets.Slice(1, start, count), batch.Mask.Slice(1, start, count));
            var partLogits = trainer.Model.Unroll(part.Observations);
            var loss = trainer.Task.Cost(partLogits, part) * ((float)count / logits.Dim(1));
            losses[shard] = loss.Item();
            int width = logits.Dim(2);
            for (int t = 0; t < logits.Dim(0); t++)
                partLogits.Values.Slice(t * count * width, count * width).CopyTo(logits.Data.Slice((t * logits.Dim(1) + start) * width, count * width));
            loss.Backward();
        }
    }
}

/// <summary>What one training step did.</summary>
/// <param name="Step">Completed steps after it.</param>
/// <param name="Loss">The batch's loss (the mean over the ranks).</param>
/// <param name="Metric">The task's metric on this rank's batch (<see cref="ITask.Metric"/>).</param>
/// <param name="GradientNorm">The global norm of the gradient before clipping.</param>
/// <param name="Applied">Whether the update was applied (false when the loss or the norm was not finite).</param>
/// <param name="TimeSteps">T, the batch's episode length.</param>
public readonly record struct StepReport(int Step, float Loss, float Metric, float GradientNorm, bool Applied, int TimeSteps);

/// <summary>A held-out evaluation of a curriculum lesson.</summary>
/// <param name="Step">Completed steps.</param>
/// <param name="Lesson">The lesson evaluated.</param>
/// <param name="Accuracy">The share of fully correct answers over all <paramref name="Episodes"/> (each batch weighted by its episodes).</param>
/// <param name="Promoted">Whether the run moved on to the next lesson.</param>
/// <param name="Episodes">Held-out episodes evaluated: <see cref="TrainerOptions.EvaluationEpisodes"/> rounded up to whole batches.</param>
public readonly record struct EvaluationReport(int Step, int Lesson, float Accuracy, bool Promoted, int Episodes);

/// <summary>What <see cref="SequenceTrainer.Run"/> did.</summary>
/// <param name="Steps">Steps completed in total, including before a resume.</param>
/// <param name="StepsRun">Steps run in this call.</param>
/// <param name="Interrupted">Whether cancellation stopped it early.</param>
public readonly record struct TrainResult(int Steps, int StepsRun, bool Interrupted);
