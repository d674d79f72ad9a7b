using DncTrain;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain.Tests;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-ckpt-tests-" + Guid.NewGuid().ToString("N"));

    public CheckpointStoreTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static List<KeyValuePair<string, Tensor>> Params(float scale) =>
    [
        new("m/w", new Tensor([1 * scale, 2 * scale, 3 * scale, 4 * scale], 2, 2).RequireGrad()),
        new("m/b", new Tensor([5 * scale], 1).RequireGrad()),
    ];

    private static RmsProp Trained(List<KeyValuePair<string, Tensor>> parameters)
    {
        var optimizer = RmsProp.TensorFlow1(0.1f);
        foreach (var (_, p) in parameters) p.Grad = Tensor.Full(p.ShapeArray(), 0.5f);
        optimizer.Step(parameters);
        return optimizer;
    }

    [Fact]
    public void Save_then_load_restores_parameters_slots_and_metadata()
    {
        var store = new CheckpointStore(Path.Combine(root, "run"));
        store.EnsureUsable();
        var saved = Params(1f);
        var optimizer = Trained(saved);
        string path = store.Save(7, saved, optimizer, new Dictionary<string, string> { ["configuration"] = "{\"a\":1}", ["rng_state"] = "r" });
        Assert.Equal(Path.Combine(root, "run", "ckpt-000007.safetensors"), path);

        var loaded = Params(0f);
        var fresh = RmsProp.TensorFlow1(0.1f);
        var result = store.LoadLatest("{\"a\":1}", loaded, fresh);
        Assert.NotNull(result);
        Assert.Equal("7", result.Value.Metadata["step"]);
        Assert.Equal("r", result.Value.Metadata["rng_state"]);
        Assert.Equal(saved[0].Value.ToArray(), loaded[0].Value.ToArray());
        Assert.Equal(saved[1].Value.ToArray(), loaded[1].Value.ToArray());
        Assert.Equal(optimizer.Slots.Select(s => s.Value.ToArray()), fresh.Slots.Select(s => s.Value.ToArray()));
    }

    [Fact]
    public void Only_the_newest_five_checkpoints_are_kept_and_the_latest_is_found()
    {
        var store = new CheckpointStore(root);
        var parameters = Params(1f);
        var optimizer = Trained(parameters);
        var meta = new Dictionary<string, string> { ["configuration"] = "c" };
        foreach (int step in new[] { 1, 2, 3, 10, 20, 30, 100 }) store.Save(step, parameters, optimizer, meta);
        var names = Directory.GetFiles(root).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal<string>(["ckpt-000003.safetensors", "ckpt-000010.safetensors", "ckpt-000020.safetensors",
            "ckpt-000030.safetensors", "ckpt-000100.safetensors"], names);
        Assert.Equal(Path.Combine(root, "ckpt-000100.safetensors"), store.FindLatest());
    }

    [Fact]
    public void Empty_directory_loads_nothing()
    {
        var store = new CheckpointStore(root);
        Assert.Null(store.LoadLatest("c", Params(1f), RmsProp.TensorFlow1(0.1f)));
    }

    [Fact]
    public void Other_configuration_corruption_and_shape_mismatch_are_usage_errors()
    {
        var store = new CheckpointStore(root);
        var parameters = Params(1f);
        store.Save(1, parameters, Trained(parameters), new Dictionary<string, string> { ["configuration"] = "A" });

        var other = Assert.Throws<UsageException>(() => store.LoadLatest("B", Params(0f), RmsProp.TensorFlow1(0.1f)));
        Assert.Contains("was written with another configuration (A)", other.Message);
        var json = new CheckpointStore(Path.Combine(root, "json"));
        json.Save(1, parameters, Trained(Params(1f)), new Dictionary<string, string> { ["configuration"] = "{\"memory_size\":16,\"seed\":0}" });
        var named = Assert.Throws<UsageException>(() => json.LoadLatest("{\"memory_size\":8,\"seed\":0}", Params(0f), RmsProp.TensorFlow1(0.1f)));
        Assert.Contains("was written with another configuration (memory_size: checkpoint 16, flags 8); use the same flags", named.Message);

        var wrongShape = new List<KeyValuePair<string, Tensor>> { new("m/w", Tensor.Zeros(3, 2)), new("m/b", Tensor.Zeros(1)) };
        var shape = Assert.Throws<UsageException>(() => store.LoadLatest("A", wrongShape, RmsProp.TensorFlow1(0.1f)));
        Assert.Contains("does not fit the model", shape.Message);
        Assert.Contains("[3, 2]", shape.Message);

        File.WriteAllBytes(Checkpoint.PathFor(root, 2), [9, 9, 9]);
        var corrupt = Assert.Throws<UsageException>(() => store.LoadLatest("A", Params(0f), RmsProp.TensorFlow1(0.1f)));
        Assert.StartsWith($"checkpoint {Checkpoint.PathFor(root, 2)} is corrupted", corrupt.Message);
        foreach (var e in new[] { other, shape, corrupt }) Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Directory_that_is_a_file_or_below_a_file_is_rejected()
    {
        string file = Path.Combine(root, "f");
        File.WriteAllText(file, "");
        Assert.Equal($"--checkpoint-dir {file} is a file, not a directory",
            Assert.Throws<UsageException>(() => new CheckpointStore(file).EnsureUsable()).Message);
        Assert.StartsWith($"--checkpoint-dir {Path.Combine(file, "x")} is not writable",
            Assert.Throws<UsageException>(() => new CheckpointStore(Path.Combine(file, "x")).EnsureUsable()).Message);
    }
}
