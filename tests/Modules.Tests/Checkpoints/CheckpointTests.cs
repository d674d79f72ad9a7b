using System.Buffers.Binary;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static KeyValuePair<string, Tensor>[] Model(ulong seed)
    {
        var rng = new Generator(seed);
        return
        [
            new("net/linear/w", Tensor.Normal(rng, [3, 2]).RequireGrad()),
            new("net/linear/b", Tensor.Normal(rng, [2]).RequireGrad()),
        ];
    }

    private static void TrainSteps(KeyValuePair<string, Tensor>[] model, Optimizer optimizer, int steps, ulong gradientSeed)
    {
        var rng = new Generator(gradientSeed);
        for (int i = 0; i < steps; i++)
        {
            foreach (var (_, p) in model) p.Grad = Tensor.Normal(rng, p.ShapeArray());
            optimizer.Step(model);
        }
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void SaveThenLoadRestoresParametersOptimizerStateAndMetadataExactly()
    {
        var model = Model(1);
        var optimizer = RmsProp.TensorFlow1(1e-2f, momentum: 0.5f);
        TrainSteps(model, optimizer, 2, gradientSeed: 7);
        var rng = new Generator(42);
        rng.NextFloat();
        string path = temp.File("ckpt-000002.safetensors");
        Checkpoint.Save(path, model, optimizer, new Dictionary<string, string>
        {
            [Checkpoint.ConfigurationKey] = """{"memory_size":16}""",
            [Checkpoint.RngStateKey] = rng.SaveState(),
        });
        Assert.False(File.Exists(path + ".tmp"));

        var restored = Model(99);
        var restoredOptimizer = RmsProp.TensorFlow1(1e-2f, momentum: 0.5f);
        var identities = restored.Select(p => p.Value).ToArray();
        var metadata = Checkpoint.Load(path, restored, restoredOptimizer);

        for (int i = 0; i < model.Length; i++)
        {
            Assert.Same(identities[i], restored[i].Value);
            Assert.Equal(Bits(model[i].Value), Bits(restored[i].Value));
        }
        Assert.Equal(2, restoredOptimizer.StepCount);
        var savedSlots = optimizer.Slots.ToList();
        var loadedSlots = restoredOptimizer.Slots.ToList();
        Assert.Equal(savedSlots.Select(s => s.Key), loadedSlots.Select(s => s.Key));
        Assert.Equal(5, savedSlots.Count); // step + ms and mom for two parameters
        for (int i = 0; i < savedSlots.Count; i++) Assert.Equal(Bits(savedSlots[i].Value), Bits(loadedSlots[i].Value));

        Assert.Equal("2", metadata[Checkpoint.StepKey]);
        Assert.Equal("rmsprop", metadata[Checkpoint.OptimizerKey]);
        Assert.Equal("""{"memory_size":16}""", metadata[Checkpoint.ConfigurationKey]);
        var resumedRng = new Generator(0);
        resumedRng.LoadState(metadata[Checkpoint.RngStateKey]);
        Assert.Equal(rng.NextDouble(), resumedRng.NextDouble());

        // Resuming continues exactly as the uninterrupted run.
        TrainSteps(model, optimizer, 1, gradientSeed: 8);
        TrainSteps(restored, restoredOptimizer, 1, gradientSeed: 8);
        for (int i = 0; i < model.Length; i++) Assert.Equal(Bits(model[i].Value), Bits(restored[i].Value));
    }

    [Fact]
    public void ParameterNamesAndSlotNamesArePrefixedInTheFile()
    {
        var model = Model(1);
        var adam = new Adam(1e-3f);
        TrainSteps(model, adam, 1, gradientSeed: 3);
        string path = temp.File("c.safetensors");
        Checkpoint.Save(path, model, adam);
        Assert.Equal(
            ["param/net/linear/w", "param/net/linear/b", "slot/adam/step", "slot/adam/m/net/linear/w", "slot/adam/v/net/linear/w",
             "slot/adam/m/net/linear/b", "slot/adam/v/net/linear/b"],
            SafeTensors.Read(path).Tensors.Select(t => t.Key));
    }

    [Fact]
    public void MissingExtraAndMisshapenParametersAreAllReportedAndNothingIsLoaded()
    {
        string path = temp.File("c.safetensors");
        Checkpoint.Save(path,
        [
            new("net/a", Tensor.Ones(2, 3)),
            new("net/b", Tensor.Ones(4)),
            new("net/old", Tensor.Ones(1)),
        ]);
        var a = Tensor.Zeros(3, 2);
        var b = Tensor.Zeros(4);
        var error = Assert.Throws<CheckpointMismatchException>(() =>
            Checkpoint.Load(path, [new("net/a", a), new("net/b", b), new("net/new", Tensor.Zeros(5))]));

        Assert.StartsWith(path + ": checkpoint does not match the model", error.Message);
        Assert.Equal(
        [
            "parameter 'net/a': checkpoint has [2, 3], model has [3, 2]",
            "parameter 'net/new' [5] is missing from the checkpoint",
            "parameter 'net/old' [1] is in the checkpoint but not in the model",
        ], error.Problems);
        Assert.Equal(new float[4], b.ToArray()); // the matching parameter was not loaded either
    }

    [Fact]
    public void AnotherModelsCheckpoint_IsNamedByItsRoots_AndTheMessageStaysShort()
    {
        // Every path differs (another model, or a renamed root): the first problem says so by the roots, the message
        // spells out ProblemsInMessage problems and counts the rest, and Problems keeps all of them.
        string path = temp.File("other.safetensors");
        Checkpoint.Save(path, [.. Enumerable.Range(0, 3).Select(i => new KeyValuePair<string, Tensor>($"memory_core/p{i}", Tensor.Ones(2)))]);
        KeyValuePair<string, Tensor>[] model = [.. Enumerable.Range(0, 3).Select(i => new KeyValuePair<string, Tensor>($"dnc/p{i}", Tensor.Zeros(2)))];
        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, model));
        Assert.Equal(7, error.Problems.Count);
        Assert.Equal("no parameter path matches: the model's are under 'dnc/', the checkpoint's under 'memory_core/'", error.Problems[0]);
        Assert.Equal($"{path}: checkpoint does not match the model: {string.Join("; ", error.Problems.Take(4))}; and 3 more", error.Message);
        Assert.Equal($"{string.Join("; ", error.Problems.Take(4))}; and 3 more", error.Summary);
        // With a path in common there is no such line, and a short list is spelled out whole.
        var partly = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, [new("memory_core/p0", Tensor.Zeros(2)), new("dnc/x", Tensor.Zeros(1))]));
        Assert.DoesNotContain(partly.Problems, p => p.StartsWith("no parameter path", StringComparison.Ordinal));
        Assert.Equal(3, partly.Problems.Count);
        Assert.EndsWith(string.Join("; ", partly.Problems), partly.Message);
    }

    [Fact]
    public void OptimizerStateThatDoesNotFitIsReported()
    {
        var model = Model(1);
        var adam = new Adam(1e-3f);
        TrainSteps(model, adam, 1, gradientSeed: 3);
        string withAdam = temp.File("adam.safetensors");
        Checkpoint.Save(withAdam, model, adam);
        var wrongKind = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(withAdam, Model(2), new Sgd(0.1f)));
        Assert.Contains("the checkpoint holds 'adam' optimizer state, the optimizer is 'sgd'", wrongKind.Message);

        string without = temp.File("none.safetensors");
        Checkpoint.Save(without, model);
        var none = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(without, Model(2), new Adam()));
        Assert.Contains("no optimizer state for 'adam'", none.Message);

        // Loading without an optimizer ignores saved slots.
        Checkpoint.Load(withAdam, Model(2));
    }

    [Fact]
    public void TruncatedCheckpointFailsNamingTheFile()
    {
        string path = temp.File("ckpt-000010.safetensors");
        Checkpoint.Save(path, Model(1), metadata: new Dictionary<string, string> { ["step"] = "10" });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var error = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(path, Model(1)));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("lie outside the data section", error.Message);
    }

    [Fact]
    public void CorruptedHeaderFailsNamingTheFile()
    {
        string path = temp.File("c.safetensors");
        Checkpoint.Save(path, Model(1));
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'#'; // the header's opening brace
        File.WriteAllBytes(path, bytes);
        Assert.Contains("not valid JSON", Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(path, Model(1))).Message);

        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("beyond the end of the file", Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(path, Model(1))).Message);
    }

    [Fact]
    public void FailedSaveLeavesThePreviousCheckpointAndNoTemporaryFile()
    {
        string path = temp.File("ckpt-000001.safetensors");
        Checkpoint.Save(path, Model(1));
        var before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, [new("w", Tensor.Ones(1)), new("w", Tensor.Ones(1))]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));

        // A successful save replaces the file.
        Checkpoint.Save(path, [new("w", Tensor.Ones(1))]);
        Assert.Equal(["param/w"], SafeTensors.Read(path).Tensors.Select(t => t.Key));
    }

    [Fact]
    public void FindLatestPicksTheHighestStepAndIgnoresOtherFiles()
    {
        var dir = Path.Combine(temp.Path, "run");
        Assert.Null(Checkpoint.FindLatest(dir));
        Directory.CreateDirectory(dir);
        Assert.Null(Checkpoint.FindLatest(dir));
        foreach (var name in new[] { "ckpt-000100.safetensors", "ckpt-000020.safetensors", "ckpt-009000.safetensors.tmp",
                     "ckpt-abc.safetensors", "notes.txt", "ckpt-000050.safetensors" })
            File.WriteAllText(Path.Combine(dir, name), "");
        Assert.Equal(Path.Combine(dir, "ckpt-000100.safetensors"), Checkpoint.FindLatest(dir));

        Checkpoint.Save(Checkpoint.PathFor(dir, 1_234_567), Model(1));
        Assert.Equal(Path.Combine(dir, "ckpt-1234567.safetensors"), Checkpoint.FindLatest(dir));
        Assert.Equal(1_234_567, Checkpoint.StepOf(Checkpoint.FindLatest(dir)!));
    }

    [Fact]
    public void OldCheckpointsArePrunedKeepingTheNewest()
    {
        var dir = Path.Combine(temp.Path, "run");
        Assert.Empty(new CheckpointDirectory(dir, keep: 2).Prune());
        Directory.CreateDirectory(dir);
        foreach (long step in new long[] { 300, 100, 1000, 200 }) File.WriteAllText(Checkpoint.PathFor(dir, step), "");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "");
        var deleted = new CheckpointDirectory(dir, keep: 2).Prune();
        Assert.Equal([Checkpoint.PathFor(dir, 200), Checkpoint.PathFor(dir, 100)], deleted);
        Assert.Equal(["ckpt-000300.safetensors", "ckpt-001000.safetensors", "notes.txt"],
            Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void FileNamesHaveSixDigitSteps()
    {
        Assert.Equal("ckpt-000100.safetensors", Checkpoint.FileName(100));
        Assert.Equal(100, Checkpoint.StepOf("/runs/a/ckpt-000100.safetensors"));
        Assert.Null(Checkpoint.StepOf("ckpt-000100.safetensors.tmp"));
    }
}
