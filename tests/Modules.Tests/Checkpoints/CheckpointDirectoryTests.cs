using System.Text.Json.Nodes;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Checkpoints;

public sealed class CheckpointDirectoryTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private CheckpointDirectory Run(int keep = 5) => new(Path.Combine(temp.Path, "run"), keep);

    private static string[] Names(CheckpointDirectory run) =>
        Directory.EnumerateFileSystemEntries(run.Path).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void SaveThenLoadLatestRestoresAVerifiedCheckpoint()
    {
        var run = Run();
        run.EnsureWritable();
        var (parameters, optimizer) = CheckpointFiles.Trained();
        Assert.Equal(Checkpoint.PathFor(run.Path, 7), run.Save(7, parameters, optimizer, CheckpointFiles.Metadata()));
        Assert.Equal(Checkpoint.PathFor(run.Path, 7), run.FindLatest());

        var (fresh, freshOptimizer) = CheckpointFiles.Fresh();
        var loaded = run.LoadLatest(CheckpointFiles.Configuration, fresh, freshOptimizer);
        Assert.NotNull(loaded);
        Assert.True(loaded.Verified);
        Assert.Equal(7, loaded.Step);
        Assert.Equal(parameters[0].Value.ToArray(), fresh[0].Value.ToArray());
        Assert.Equal(optimizer.Slots.Select(s => s.Value.ToArray()), freshOptimizer.Slots.Select(s => s.Value.ToArray()));
        Assert.Null(new CheckpointDirectory(Path.Combine(temp.Path, "empty")).LoadLatest(null, fresh, freshOptimizer));
    }

    [Fact]
    public void RotationKeepsTheNewestFive()
    {
        var run = Run();
        var (parameters, optimizer) = CheckpointFiles.Trained();
        foreach (int step in new[] { 1, 2, 3, 10, 20, 30, 100 }) run.Save(step, parameters, optimizer, CheckpointFiles.Metadata());
        Assert.Equal(["ckpt-000003.safetensors", "ckpt-000010.safetensors", "ckpt-000020.safetensors", "ckpt-000030.safetensors",
            "ckpt-000100.safetensors"], Names(run));
    }

    [Fact]
    public void RotationNeverDeletesTheNewestValidCheckpoint()
    {
        var run = Run(keep: 2);
        var (parameters, optimizer) = CheckpointFiles.Trained();
        run.Save(10, parameters, optimizer, CheckpointFiles.Metadata());
        // Newer-named files that cannot be resumed from: corrupt, non-finite (written by another tool), a directory.
        File.WriteAllBytes(Checkpoint.PathFor(run.Path, 30), [1, 2, 3]);
        var nan = parameters.Select(p => new KeyValuePair<string, Tensor>(Checkpoint.ParameterPrefix + p.Key, Tensor.Full(p.Value.ShapeArray(), float.NaN)));
        SafeTensors.Write(Checkpoint.PathFor(run.Path, 40), nan, new Dictionary<string, string> { [Checkpoint.StepKey] = "40" }, checksums: true);
        Directory.CreateDirectory(Checkpoint.PathFor(run.Path, 50));

        // The two newest (a directory, which is never deleted, and the NaN file) and the newest valid one stay.
        Assert.Equal([Checkpoint.PathFor(run.Path, 30)], run.Prune());
        File.WriteAllBytes(Checkpoint.PathFor(run.Path, 60), [4, 5, 6]);
        Assert.Equal([Checkpoint.PathFor(run.Path, 40)], run.Prune());
        Assert.Equal(["ckpt-000010.safetensors", "ckpt-000050.safetensors", "ckpt-000060.safetensors"], Names(run));

        // A save below newer-named files keeps the file it wrote.
        run.Save(20, parameters, optimizer, CheckpointFiles.Metadata());
        Assert.Equal(["ckpt-000020.safetensors", "ckpt-000050.safetensors", "ckpt-000060.safetensors"], Names(run));
    }

    [Fact]
    public void ADivergedSaveWritesAndDeletesNothing()
    {
        var run = Run(keep: 1);
        var (parameters, optimizer) = CheckpointFiles.Trained();
        run.Save(10, parameters, optimizer, CheckpointFiles.Metadata());
        parameters[0].Value.Data[0] = float.PositiveInfinity;
        var error = Assert.ThrowsAny<CheckpointException>(() => run.Save(20, parameters, optimizer, CheckpointFiles.Metadata()));
        Assert.StartsWith(Checkpoint.PathFor(run.Path, 20) + ": not written: tensor 'param/net/w' holds ", error.Message);
        Assert.Equal(["ckpt-000010.safetensors"], Names(run));
    }

    [Fact]
    public void FindLatestValidListsTheRejectedNewerCheckpointsWithReasons()
    {
        var run = Run();
        var (parameters, optimizer) = CheckpointFiles.Trained();
        run.Save(10, parameters, optimizer, CheckpointFiles.Metadata());
        run.Save(20, parameters, optimizer, CheckpointFiles.Metadata());
        string flipped = Checkpoint.PathFor(run.Path, 20);
        var bytes = File.ReadAllBytes(flipped);
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(flipped, bytes);
        string truncated = Checkpoint.PathFor(run.Path, 30);
        File.WriteAllBytes(truncated, bytes[..100]);

        var search = run.FindLatestValid();
        Assert.Equal(Checkpoint.PathFor(run.Path, 10), search.Latest?.Path);
        Assert.True(search.Latest!.Verified);
        Assert.Equal([truncated, flipped], search.Rejected.Select(r => r.Path));
        Assert.StartsWith($"{truncated}: header length ", search.Rejected[0].Reason);
        Assert.StartsWith($"{flipped}: tensor 'slot/rmsprop/mom/net/b': checksum mismatch", search.Rejected[1].Reason);

        // Loading the newest never falls back silently.
        var (fresh, freshOptimizer) = CheckpointFiles.Fresh();
        Assert.Equal(search.Rejected[0].Reason,
            Assert.ThrowsAny<CheckpointException>(() => run.LoadLatest(CheckpointFiles.Configuration, fresh, freshOptimizer)).Message);
        Assert.Equal(10, run.Load(search.Latest.Path, CheckpointFiles.Configuration, fresh, freshOptimizer).Step);

        Assert.Null(new CheckpointDirectory(Path.Combine(temp.Path, "none")).FindLatestValid().Latest);
    }

    [Fact]
    public void AnotherConfigurationIsAMismatchNamingEachDifference()
    {
        var run = Run();
        var (parameters, optimizer) = CheckpointFiles.Trained();
        string path = run.Save(3, parameters, optimizer, CheckpointFiles.Metadata());
        var (fresh, freshOptimizer) = CheckpointFiles.Fresh();
        var error = Assert.Throws<CheckpointMismatchException>(() =>
            run.Load(path, """{"model":"net","hidden_size":8,"optimizer_epsilon":1e-10,"seed":1}""", fresh, freshOptimizer));
        Assert.Equal($"{path}: checkpoint does not match the model: it was written with another configuration " +
                     "(hidden_size: checkpoint 4, this run 8; seed: checkpoint unset, this run 1)", error.Message);
        Assert.Equal(0, freshOptimizer.StepCount);

        // Numbers compare by value and keys in any order.
        run.Load(path, """{"optimizer_epsilon":1E-10,"hidden_size":4.0,"model":"net"}""", fresh, freshOptimizer);
        Assert.Equal(2, freshOptimizer.StepCount);
    }

    [Fact]
    public void DefaultsFillKeysThatOlderConfigurationsLack()
    {
        var defaults = new JsonObject { ["model"] = "dnc", ["task"] = "repeat-copy" };
        var run = new CheckpointDirectory(temp.Path, configurationDefaults: defaults);
        Assert.Null(run.Differences("""{"memory_size":16}""", """{"memory_size":16,"model":"dnc","task":"repeat-copy"}"""));
        Assert.Equal("model: checkpoint \"dnc\", this run \"ntm\"",
            run.Differences("""{"memory_size":16}""", """{"memory_size":16,"model":"ntm","task":"repeat-copy"}"""));
        Assert.Equal("A", run.Differences("A", "B"));
        Assert.Null(run.Differences("A", "A"));
    }

    [Fact]
    public void ADirectoryThatIsAFileIsNotWritable()
    {
        string file = temp.File("f");
        File.WriteAllText(file, "");
        Assert.Equal($"{file}: is a file, not a directory", Assert.ThrowsAny<CheckpointException>(() => new CheckpointDirectory(file).EnsureWritable()).Message);
        Assert.StartsWith($"{Path.Combine(file, "x")}: is not writable (",
            Assert.ThrowsAny<CheckpointException>(() => new CheckpointDirectory(Path.Combine(file, "x")).EnsureWritable()).Message);
        var (parameters, optimizer) = CheckpointFiles.Trained();
        Assert.StartsWith($"{Checkpoint.PathFor(Path.Combine(file, "x"), 1)}: cannot be written (",
            Assert.ThrowsAny<CheckpointException>(() => new CheckpointDirectory(Path.Combine(file, "x")).Save(1, parameters, optimizer, null)).Message);
    }
}
