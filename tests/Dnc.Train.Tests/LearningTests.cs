using DncTrain;

namespace DncTrain.Tests;

public sealed class LearningTests
{
    [Fact]
    public void Small_dnc_learns_repeat_copy_within_a_few_hundred_steps()
    {
        // A small DNC at a larger learning rate than train.py's so that the trend shows in 500 steps (~10 s).
        var options = TrainOptions.Parse([
            "--hidden-size", "32", "--memory-size", "8", "--word-size", "8", "--num-read-heads", "2", "--num-bits", "3",
            "--batch-size", "8", "--min-length", "1", "--max-length", "2", "--learning-rate", "1e-2",
            "--num-training-iterations", "500", "--checkpoint-dir", "", "--seed", "1"]);
        var result = new Trainer(options).Run();

        Assert.Equal(500, result.Losses.Count);
        Assert.All(result.Losses, l => Assert.True(float.IsFinite(l)));
        float firstLoss = result.Losses.Take(20).Average();
        float lastLoss = result.Losses.TakeLast(20).Average();
        Assert.True(lastLoss < 0.7f * firstLoss, $"loss fell only from {firstLoss:F3} to {lastLoss:F3}");
        float firstErrors = result.Metrics.Take(20).Average();
        float lastErrors = result.Metrics.TakeLast(20).Average();
        Assert.True(lastErrors < 0.7f * firstErrors, $"bit errors fell only from {firstErrors:F3} to {lastErrors:F3}");
    }

    [Fact]
    public void Small_dnc_learns_copy()
    {
        var result = new Trainer(TrainOptions.Parse([
            "--task", "copy", "--num-bits", "4", "--max-length", "3", "--hidden-size", "32", "--memory-size", "8", "--word-size", "8",
            "--num-read-heads", "2", "--batch-size", "8", "--learning-rate", "1e-2", "--num-training-iterations", "300",
            "--checkpoint-dir", "", "--seed", "1"])).Run();
        float firstLoss = result.Losses.Take(20).Average(), lastLoss = result.Losses.TakeLast(20).Average();
        Assert.True(lastLoss < 0.7f * firstLoss, $"loss fell only from {firstLoss:F3} to {lastLoss:F3}");
        float firstErrors = result.Metrics.Take(20).Average(), lastErrors = result.Metrics.TakeLast(20).Average();
        Assert.True(lastErrors < 0.7f * firstErrors, $"bit errors fell only from {firstErrors:F3} to {lastErrors:F3}");
    }

    [Fact]
    public void Small_dnc_learns_argmax()
    {
        var result = new Trainer(TrainOptions.Parse([
            "--task", "argmax", "--hidden-size", "32", "--memory-size", "8", "--word-size", "8", "--num-read-heads", "2",
            "--batch-size", "8", "--learning-rate", "1e-2", "--num-training-iterations", "300", "--checkpoint-dir", "", "--seed", "1"])).Run();
        float firstLoss = result.Losses.Take(30).Average(), lastLoss = result.Losses.TakeLast(30).Average();
        Assert.True(lastLoss < 0.5f * firstLoss, $"loss fell only from {firstLoss:F3} to {lastLoss:F3}");
        float firstAccuracy = result.Metrics.Take(30).Average(), lastAccuracy = result.Metrics.TakeLast(30).Average();
        Assert.True(lastAccuracy > firstAccuracy + 0.2f, $"accuracy rose only from {firstAccuracy:F3} to {lastAccuracy:F3}");
    }
}
