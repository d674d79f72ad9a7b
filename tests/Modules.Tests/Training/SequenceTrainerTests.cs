using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Tests.Checkpoints;
using Modules.Training;

namespace Modules.Tests.Training;

/// <summary>Copy the first input channel: observations [3, B, 2], targets [3, B, 1], every step counted.</summary>
internal sealed class EchoTask(int batchSize = 4) : ITask
{
    public int ObservationSize => 2;
    public int TargetSize => 1;
    public int BatchSize => batchSize;
    public int MaxEpisodeLength => 3;

    /// <summary>From this many samples on, the cost is NaN (to test divergence); int.MaxValue: never.</summary>
    public int PoisonFrom { get; set; } = int.MaxValue;

    public int Samples { get; private set; }

    public DatasetTensors Sample(Generator rng)
    {
        Samples++;
        var observations = Tensor.Uniform(rng, [3, BatchSize, 2], -1f, 1f);
        return new DatasetTensors(observations, observations.Slice(-1, 0, 1).Clone(), Tensor.Ones(3, BatchSize));
    }

    public Tensor Cost(Tensor logits, DatasetTensors batch)
    {
        var cost = Tensor.MeanSquaredError(logits, batch.Targets);
        return Samples >= PoisonFrom ? cost * float.NaN : cost;
    }

    public string MetricName => "Absolute error";

    public float Metric(Tensor logits, DatasetTensors batch) => MathF.Abs(logits.Values[0] - batch.Targets.Values[0]);
}

/// <summary>A linear map of every step: [T, B, 2] → [T, B, 1].</summary>
internal sealed class LinearModel : ISequenceModel
{
    private readonly Linear linear = new(1, "echo");

    public LinearModel(ulong seed) => linear.Seed(seed);

    public Module Module => linear;

    public Tensor Unroll(Tensor observations) => linear.Forward(observations);
}

/// <summary><see cref="EchoTask"/> in lessons; <see cref="Accuracy"/> is whatever the test sets.</summary>
internal sealed class LessonTask(int lessons) : ITask, ICurriculum
{
    private readonly EchoTask data = new();

    public int ObservationSize => data.ObservationSize;
    public int TargetSize => data.TargetSize;
    public int BatchSize => data.BatchSize;
    public int MaxEpisodeLength => data.MaxEpisodeLength;
    public DatasetTensors Sample(Generator rng) => data.Sample(rng);
    public Tensor Cost(Tensor logits, DatasetTensors batch) => data.Cost(logits, batch);
    public string MetricName => data.MetricName;
    public float Metric(Tensor logits, DatasetTensors batch) => data.Metric(logits, batch);

    public float NextAccuracy { get; set; }
    public int Lesson { get; private set; }
    public int LessonCount => lessons;
    public float PassThreshold => 0.9f;
    public string Describe(int lesson) => $"lesson {lesson}";

    public void SetLesson(int lesson)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lesson);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(lesson, lessons);
        Lesson = lesson;
    }

    /// <summary>Evaluation batches drawn so far.</summary>
    public int EvaluationBatches { get; private set; }

    /// <summary>When not empty, each evaluation batch's accuracy in turn (else <see cref="NextAccuracy"/>).</summary>
    public Queue<float> Accuracies { get; } = new();

    public DatasetTensors SampleEvaluation(Generator rng)
    {
        EvaluationBatches++;
        return data.Sample(rng);
    }

    public float Accuracy(Tensor logits, DatasetTensors batch) => Accuracies.Count > 0 ? Accuracies.Dequeue() : NextAccuracy;
}

/// <summary>A group of two ranks seen from rank 0 when the other rank computes exactly the same: sums double, gathers repeat.</summary>
internal sealed class MirroredPair : IProcessGroup
{
    public int Rank => 0;
    public int Size => 2;
    public int AllReduces { get; private set; }
    public void Broadcast(Span<float> buffer, int root = 0) { }

    public void AllReduceSum(Span<float> buffer)
    {
        AllReduces++;
        foreach (ref float x in buffer) x += x;
    }

    public void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
    {
        for (int r = 0; r < Size; r++) mine.CopyTo(all[(r * mine.Length)..]);
    }

    public void Barrier() { }
}

public sealed class SequenceTrainerTests
{
    private static SequenceTrainer Trainer(ITask task, string? directory = null, string configuration = "{\"size\":1}", IProcessGroup? group = null,
        int interval = 3) =>
        new(new LinearModel(7), task, RmsProp.TensorFlow1(0.05f), new TrainerOptions
        {
            Seed = 3, CheckpointDirectory = directory, CheckpointInterval = interval, Configuration = configuration, Group = group,
            EvaluationInterval = 2, MaxNonFiniteSteps = 3,
        });

    private static float[][] Parameters(SequenceTrainer t) => t.Model.Module.NamedParameters().Select(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void A_resumed_run_ends_bit_identical_to_an_uninterrupted_one()
    {
        using var dir = new TempDirectory();
        var whole = Trainer(new EchoTask());
        var losses = new List<float>();
        whole.StepCompleted += s => losses.Add(s.Loss);
        whole.Run(8);

        Trainer(new EchoTask(), dir.Path).Run(5);                   // checkpoints at 3 and 5
        var resumed = Trainer(new EchoTask(), dir.Path);
        Assert.Equal(Checkpoint.PathFor(dir.Path, 5), resumed.Resume());
        Assert.Equal(5, resumed.CompletedSteps);
        Assert.True(resumed.Verified);
        var rest = new List<float>();
        resumed.StepCompleted += s => rest.Add(s.Loss);
        var result = resumed.Run(8);
        Assert.Equal((8, 3, false), (result.Steps, result.StepsRun, result.Interrupted));
        Assert.Equal(losses.Skip(5), rest);
        Assert.Equal(Parameters(whole), Parameters(resumed));
    }

    [Fact]
    public void Non_finite_steps_are_not_applied_and_too_many_in_a_row_stop_the_run_keeping_the_finite_checkpoint()
    {
        using var dir = new TempDirectory();
        var task = new EchoTask { PoisonFrom = 4 };
        var trainer = Trainer(task, dir.Path);
        var reports = new List<StepReport>();
        trainer.StepCompleted += reports.Add;
        float[][]? beforePoison = null;
        trainer.StepCompleted += s => { if (s.Step == 3) beforePoison = Parameters(trainer); };
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Run(20));
        Assert.Equal((6, 3), (ex.Step, ex.Consecutive));
        Assert.Equal([true, true, true, false, false, false], reports.Select(r => r.Applied));
        Assert.Equal(beforePoison, Parameters(trainer));           // the three non-finite steps changed nothing
        Assert.Contains("3 steps in a row", ex.Message);
        Assert.Equal([Checkpoint.PathFor(dir.Path, 3)], Directory.GetFiles(dir.Path));
        Assert.True(CheckpointDirectory.Validate(Checkpoint.PathFor(dir.Path, 3)).Verified);
    }

    [Fact]
    public void Non_finite_parameters_are_never_written()
    {
        using var dir = new TempDirectory();
        var trainer = Trainer(new EchoTask(), dir.Path);
        trainer.TrainStep();
        trainer.Model.Module.NamedParameters()[0].Value.Data[0] = float.PositiveInfinity;
        Assert.Null(trainer.SaveCheckpoint());
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_checkpoint_of_another_configuration_or_another_number_of_ranks_is_refused_in_one_line()
    {
        using var dir = new TempDirectory();
        Trainer(new EchoTask(), dir.Path, "{\"size\":1,\"seed\":0}").Run(3);
        var other = Assert.Throws<TrainingException>(() => Trainer(new EchoTask(), dir.Path, "{\"size\":2,\"seed\":0}").Resume());
        Assert.Equal($"checkpoint {Checkpoint.PathFor(dir.Path, 3)}: it was written with another configuration (size: checkpoint 1, this run 2)",
            other.Message);

        var ranks = Assert.Throws<TrainingException>(() => Trainer(new EchoTask(), dir.Path, "{\"size\":1,\"seed\":0}", new MirroredPair()).Resume());
        Assert.Equal($"checkpoint {Checkpoint.PathFor(dir.Path, 3)} was written by 1 rank(s), this run has 2; resume with the same number of ranks",
            ranks.Message);
    }

    [Fact]
    public void A_curriculum_moves_on_when_a_lesson_is_passed_and_the_lesson_survives_a_resume()
    {
        using var dir = new TempDirectory();
        var task = new LessonTask(lessons: 3);
        var trainer = Trainer(task, dir.Path, interval: 4);
        var evaluations = new List<EvaluationReport>();
        trainer.Evaluated += evaluations.Add;
        task.NextAccuracy = 0.5f;
        trainer.Run(2);                                               // evaluated at 2: not passed
        task.NextAccuracy = 0.95f;
        trainer.Run(6);                                               // evaluated at 4 and 6: passed twice
        Assert.Equal([(2, 0, false), (4, 0, true), (6, 1, true)], evaluations.Select(e => (e.Step, e.Lesson, e.Promoted)));
        Assert.Equal(2, task.Lesson);
        trainer.Run(8);                                               // the last lesson is never left
        Assert.Equal(2, task.Lesson);

        var again = new LessonTask(lessons: 3);
        Trainer(again, dir.Path).Resume();
        Assert.Equal(2, again.Lesson);
        Assert.Equal("2", CheckpointDirectory.Validate(Checkpoint.PathFor(dir.Path, 8)).Metadata[SequenceTrainer.LessonKey]);
    }

    [Fact]
    public void A_lesson_is_promoted_on_the_accuracy_over_all_evaluation_episodes_not_the_first_batch()
    {
        var task = new LessonTask(lessons: 3);                        // batches of 4
        var trainer = new SequenceTrainer(new LinearModel(7), task, RmsProp.TensorFlow1(0.05f),
            new TrainerOptions { Seed = 3, EvaluationInterval = 1, EvaluationEpisodes = 10 });
        var evaluations = new List<EvaluationReport>();
        trainer.Evaluated += evaluations.Add;
        // 10 episodes are 3 batches of 4: (4·1 + 4·1 + 4·0.5) / 12 = 0.8333 < 0.9, although the first batch alone passes.
        foreach (var a in new[] { 1f, 1f, 0.5f, 1f, 1f, 0.75f }) task.Accuracies.Enqueue(a);
        trainer.Run(1);
        Assert.Equal(3, task.EvaluationBatches);
        Assert.Equal((0, 12, false), (evaluations[0].Lesson, evaluations[0].Episodes, evaluations[0].Promoted));
        Assert.Equal(10f / 12f, evaluations[0].Accuracy, 6);
        Assert.Equal(0, task.Lesson);
        // (4 + 4 + 3) / 12 = 0.9167 ≥ 0.9: promoted.
        trainer.Run(2);
        Assert.Equal(6, task.EvaluationBatches);
        Assert.Equal(11f / 12f, evaluations[1].Accuracy, 6);
        Assert.True(evaluations[1].Promoted);
        Assert.Equal(1, task.Lesson);
    }

    [Fact]
    public void An_evaluation_size_below_one_is_refused_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new SequenceTrainer(new LinearModel(7), new LessonTask(2), RmsProp.TensorFlow1(0.05f),
            new TrainerOptions { EvaluationEpisodes = 0 }));
        Assert.StartsWith("TrainerOptions.EvaluationEpisodes must be at least 1, got 0", e.Message);
    }

    [Fact]
    public void With_ranks_the_gradients_are_summed_once_per_step_as_one_buffer_and_averaged()
    {
        var single = Trainer(new EchoTask());
        var pair = new MirroredPair();
        var ranked = Trainer(new EchoTask(), group: pair);
        single.Run(4);
        ranked.Run(4);
        // Rank 0 draws the single process's batches; the other rank's identical gradients average to the same update.
        Assert.Equal(Parameters(single), Parameters(ranked));
        Assert.Equal(4 * 2, pair.AllReduces);                          // one gradient buffer and one loss per step
        Assert.NotEqual(SequenceTrainer.DataStream(3, 0).NextUInt64(), SequenceTrainer.DataStream(3, 1).NextUInt64());
    }

    // An LSTM of one unit over the steps, [T, B, 2] → [T, B, 1]: a recurrent graph for the sharded steps.
    private static SequenceTrainer ShardedTrainer(int shards, string? directory = null)
    {
        var lstm = new Lstm(1);
        lstm.Seed(5);
        return new(SequenceModel.FromCore(lstm), new EchoTask(batchSize: 6), RmsProp.TensorFlow1(0.05f), new TrainerOptions
        {
            Seed = 3, BatchShards = shards, MaxGradNorm = 0.1f, CheckpointDirectory = directory, CheckpointInterval = 3,
        });
    }

    private static List<StepReport> Steps(SequenceTrainer trainer, int steps)
    {
        var reports = new List<StepReport>();
        trainer.StepCompleted += reports.Add;
        trainer.Run(steps);
        return reports;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void A_sharded_step_matches_the_whole_batch_step(int shards)
    {
        // The shards' losses are weighted by their share of the batch and their gradients summed: the same step up to the
        // order of the float sums (clipping at 0.1 is active, so the global norm has to agree too).
        var whole = ShardedTrainer(1);
        var sharded = ShardedTrainer(shards);
        var expected = Steps(whole, 6);
        var actual = Steps(sharded, 6);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Loss, actual[i].Loss, 5);
            Assert.Equal(expected[i].GradientNorm, actual[i].GradientNorm, 5);
            Assert.Equal(expected[i].Metric, actual[i].Metric, 5);   // scored on the shards' logits put back together
        }
        Assert.True(expected[0].GradientNorm > 0.1f, $"clipping inactive: norm {expected[0].GradientNorm}");
        var p = Parameters(whole);
        var q = Parameters(sharded);
        for (int i = 0; i < p.Length; i++)
            for (int j = 0; j < p[i].Length; j++) Assert.Equal(p[i][j], q[i][j], 5);
    }

    [Fact]
    public void Sharded_runs_repeat_bit_for_bit_and_resume_bit_identically()
    {
        using var dir = new TempDirectory();
        var first = ShardedTrainer(2);
        var losses = Steps(first, 8).Select(r => r.Loss).ToList();
        var again = ShardedTrainer(2);
        Assert.Equal(losses, Steps(again, 8).Select(r => r.Loss));
        Assert.Equal(Parameters(first), Parameters(again));

        ShardedTrainer(2, dir.Path).Run(5);
        var resumed = ShardedTrainer(2, dir.Path);
        Assert.Equal(Checkpoint.PathFor(dir.Path, 5), resumed.Resume());
        Assert.Equal(losses.Skip(5), Steps(resumed, 8).Select(r => r.Loss));
        Assert.Equal(Parameters(first), Parameters(resumed));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_shard_count_outside_one_to_the_batch_size_is_refused_with_both_numbers(int shards)
    {
        var e = Assert.Throws<ArgumentException>(() => ShardedTrainer(shards));
        Assert.StartsWith($"TrainerOptions.BatchShards must be between 1 and the batch size 6, got {shards}", e.Message);
    }
}
