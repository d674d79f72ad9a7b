using Modules.Dnc.Tasks.Graph;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks.Graph;

public sealed class LearningCheckTests
{
    [Fact]
    public void A_small_dnc_trained_by_the_library_trainer_learns_the_first_traversal_lesson()
    {
        // Uniform guessing costs 9·ln 10 ≈ 20.7 per answer step (lesson 0 asks one step). Copying the source and edge from
        // the query alone brings it to about 3·ln 10 ≈ 6.9; the test asks for a fall below 0.7 of the start in 800 steps
        // (seed 1 reaches 0.64 of it after 600).
        var task = new TraversalTask(batchSize: 8);
        var dnc = new Dnc(new DncOptions { OutputSize = task.TargetSize, HiddenSize = 32, MemorySize = 16, WordSize = 8, NumReads = 2, NumWrites = 1 });
        var trainer = new SequenceTrainer(SequenceModel.FromCore(dnc), task, new Adam(3e-3f),
            new TrainerOptions { Seed = 1, CheckpointInterval = 0, EvaluationInterval = 0 });
        var losses = new List<float>();
        trainer.StepCompleted += r => losses.Add(r.Loss);
        trainer.Run(800);
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        float first = losses.Take(30).Average(), last = losses.TakeLast(30).Average();
        Assert.InRange(first, 18f, 23f);
        Assert.True(last < 0.7f * first, $"loss per batch fell only from {first:F2} to {last:F2}");
    }
}
