using Modules.Tensors;
using Modules.Training;

namespace DncTrain.Tests;

/// <summary>
/// <see cref="SequenceTrainer.TrainStep"/> runs each step in a <see cref="TensorArena"/> scope. Property checked: the
/// training command's DNC, trained through the trainer (forward results pooled and reused from the second step on), gives
/// bit for bit the losses, gradient norms and parameters of the same steps written out without any arena; and the
/// parameters and optimizer slots stay readable between steps (they are never pooled).
/// </summary>
public sealed class TrainStepArenaTests
{
    [Theory]
    [InlineData("dnc")]
    [InlineData("lstm")]
    [InlineData("ntm")]
    [InlineData("sam")]
    [InlineData("sdnc")]
    public void Steps_in_the_trainers_arena_are_bit_identical_to_the_same_steps_without_one(string model)
    {
        string[] memory = model == "lstm" ? [] : ["--memory-size", "8", "--word-size", "4", "--num-read-heads", "2"];
        var options = TrainOptions.Parse(["--model", model, "--hidden-size", "16", .. memory, "--num-bits", "3", "--batch-size", "4",
            "--max-length", "3", "--max-repeats", "2", "--checkpoint-dir", "", "--seed", "11"]);

        var (task, _) = TaskRegistry.Create(options);
        var scoped = ModelRegistry.Create(options, task.TargetSize);
        var trainer = new SequenceTrainer(scoped.Sequence, task, RmsProp.TensorFlow1(options.LearningRate, epsilon: options.OptimizerEpsilon),
            new TrainerOptions { Seed = options.Seed, MaxGradNorm = options.MaxGradNorm });
        trainer.Connect();

        var (plainTask, _) = TaskRegistry.Create(options);
        var plain = ModelRegistry.Create(options, plainTask.TargetSize);
        var optimizer = RmsProp.TensorFlow1(options.LearningRate, epsilon: options.OptimizerEpsilon);
        using (Tensor.NoGrad()) plain.Sequence.Unroll(Tensor.Zeros(1, plainTask.BatchSize, plainTask.ObservationSize));
        var rng = SequenceTrainer.DataStream(options.Seed);
        AssertSameParameters(plain, scoped);

        for (int step = 0; step < 4; step++)
        {
            var report = trainer.TrainStep();

            var batch = plainTask.Sample(rng);
            var logits = plain.Sequence.Unroll(batch.Observations);
            var loss = plainTask.Cost(logits, batch);
            var parameters = plain.Sequence.Module.NamedParameters();
            Optimizer.ZeroGrad(parameters);
            loss.Backward();
            float norm = GradientClipping.ClipGradientsByGlobalNorm(parameters, options.MaxGradNorm);
            optimizer.Step(parameters);

            Assert.Equal(loss.Item(), report.Loss);
            Assert.Equal(norm, report.GradientNorm);
            Assert.True(report.Applied);
            AssertSameParameters(plain, scoped);
        }
    }

    private static void AssertSameParameters(TrainingModel expected, TrainingModel actual)
    {
        var a = expected.Sequence.Module.NamedParameters();
        var b = actual.Sequence.Module.NamedParameters();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Key, b[i].Key);
            Assert.False(b[i].Value.IsReleased);
            Assert.Equal(a[i].Value.ToArray(), b[i].Value.ToArray());
        }
    }
}
