using DncTrain;
using Modules.Checkpoints;

namespace DncTrain.Tests;

/// <summary>
/// Checkpoints written by the version before the memory-core skeleton and the checksummed format (TestData/legacy: each
/// core after 10 steps of repeat copy, hidden 8, memory 8×4, 1 read head) still resume into today's cores: same
/// parameter paths and shapes, the optimizer's slots, the step and the random streams.
/// </summary>
public sealed class LegacyCheckpointTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-legacy-" + Guid.NewGuid().ToString("N"));

    public LegacyCheckpointTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("dnc")]
    [InlineData("ntm")]
    [InlineData("sam")]
    [InlineData("sdnc")]
    public void A_checkpoint_of_the_previous_version_resumes_and_trains_on(string model)
    {
        string legacy = Path.Combine(AppContext.BaseDirectory, "TestData", "legacy", $"{model}-v0-step10.safetensors");
        var saved = CheckpointDirectory.Validate(legacy);
        Assert.False(saved.Verified);   // written before checksums

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(["--model", model, "--hidden-size", "8", "--memory-size", "8", "--word-size", "4", "--num-read-heads", "1",
            "--resume-from", legacy, "--checkpoint-dir", root, "--num-training-iterations", "12", "--checkpoint-interval", "-1"],
            stdout, stderr, interactive: false, CancellationToken.None);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains($"Resumed from {legacy} at step 10", stdout.ToString());

        // The resumed run wrote step 12 with exactly the legacy file's parameter paths and shapes.
        var resumed = CheckpointDirectory.Validate(Path.Combine(root, Checkpoint.FileName(12)));
        Assert.True(resumed.Verified);
        Assert.Equal(saved.Parameters.Select(p => (p.Key, string.Join(",", p.Value.ShapeArray()))).Order(),
            resumed.Parameters.Select(p => (p.Key, string.Join(",", p.Value.ShapeArray()))).Order());
        Assert.Contains(resumed.Parameters, p => !p.Value.ToArray().SequenceEqual(saved.Parameters.Single(q => q.Key == p.Key).Value.ToArray()));
    }
}
