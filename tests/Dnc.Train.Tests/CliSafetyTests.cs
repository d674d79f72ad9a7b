using DncTrain;
using Modules.Checkpoints;
using Modules.Dnc;
using Modules.Dnc.Sparse;
using Modules.Training;

namespace DncTrain.Tests;

/// <summary>Resuming by flag, divergence, <c>--index</c>, configuration comparison and <c>--viz</c> checked before training.</summary>
public sealed class CliSafetyTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-safety-" + Guid.NewGuid().ToString("N"));

    public CliSafetyTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] Small =
    [
        "--hidden-size", "8", "--memory-size", "4", "--word-size", "2", "--num-read-heads", "1", "--num-bits", "1",
        "--batch-size", "2", "--report-interval", "1000", "--seed", "3",
    ];

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run([.. Small, .. args], stdout, stderr, interactive: false, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Ckpt(string dir, int step) => Path.Combine(dir, Checkpoint.FileName(step));

    // Flips one byte in the middle of the data section (after the 8-byte length and the header).
    private static void FlipDataByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        long at = 8 + headerLength + (bytes.Length - 8 - headerLength) / 2;
        bytes[at] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    private static Dictionary<string, float[]> Parameters(string checkpoint) =>
        CheckpointDirectory.Validate(checkpoint).Parameters.ToDictionary(p => p.Key, p => p.Value.ToArray());

    [Fact]
    public void Resume_from_resumes_exactly_that_checkpoint_and_continues_bit_identically()
    {
        string dir = Path.Combine(root, "a");
        Assert.Equal(0, Run("--num-training-iterations", "4", "--checkpoint-interval", "2", "--checkpoint-dir", dir).Code);
        var uninterrupted = Parameters(Ckpt(dir, 4));
        string other = Path.Combine(root, "b");
        var (code, output, err) = Run("--num-training-iterations", "4", "--checkpoint-interval", "2", "--checkpoint-dir", other,
            "--resume-from", Ckpt(dir, 2));
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains($"Resumed from {Ckpt(dir, 2)} at step 2.", output);
        Assert.DoesNotContain("warning", output);
        // Only steps 3 and 4 ran in the second run, and they give the uninterrupted run's parameters.
        Assert.Equal(new[] { "ckpt-000004.safetensors" }, Directory.GetFiles(other).Select(Path.GetFileName));
        var resumed = Parameters(Ckpt(other, 4));
        Assert.Equal(uninterrupted.Keys, resumed.Keys);
        foreach (var (path, values) in uninterrupted) Assert.Equal(values, resumed[path]);
    }

    [Fact]
    public void Corrupt_newest_checkpoint_stops_the_run_unless_the_fall_back_is_asked_for()
    {
        string dir = Path.Combine(root, "c");
        Assert.Equal(0, Run("--num-training-iterations", "4", "--checkpoint-interval", "2", "--checkpoint-dir", dir).Code);
        FlipDataByte(Ckpt(dir, 4));

        // Without a flag: exit 2, one line naming the file; nothing is resumed from the older one.
        var (code, output, err) = Run("--num-training-iterations", "6", "--checkpoint-dir", dir);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: checkpoint {Ckpt(dir, 4)}: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("Resumed", output);

        // --resume-from the corrupt one: the same refusal.
        (code, _, err) = Run("--num-training-iterations", "6", "--checkpoint-dir", dir, "--resume-from", Ckpt(dir, 4));
        Assert.Equal(2, code);
        Assert.StartsWith($"error: checkpoint {Ckpt(dir, 4)}: ", err);

        // --resume-newest-valid: step 2, naming the rejected step 4 and why.
        (code, output, err) = Run("--num-training-iterations", "3", "--checkpoint-dir", dir, "--resume-newest-valid");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        var lines = output.Split('\n');
        var warning = Assert.Single(lines, l => l.StartsWith("warning: skipped checkpoint", StringComparison.Ordinal));
        Assert.StartsWith($"warning: skipped checkpoint {Ckpt(dir, 4)}: ", warning);
        Assert.Contains($"Resumed from {Ckpt(dir, 2)} at step 2.", output);
        Assert.True(File.Exists(Ckpt(dir, 3)));
    }

    [Fact]
    public void Fall_back_with_no_valid_checkpoint_is_refused()
    {
        string dir = Path.Combine(root, "d");
        Assert.Equal(0, Run("--num-training-iterations", "2", "--checkpoint-interval", "1", "--checkpoint-dir", dir).Code);
        FlipDataByte(Ckpt(dir, 1));
        FlipDataByte(Ckpt(dir, 2));
        var (code, output, err) = Run("--num-training-iterations", "3", "--checkpoint-dir", dir, "--resume-newest-valid");
        Assert.Equal(2, code);
        Assert.StartsWith($"error: --resume-newest-valid: none of the 2 checkpoint(s) in {dir} passes every check (newest: {Ckpt(dir, 2)}: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("Resumed", output);
    }

    [Fact]
    public void Resuming_a_checkpoint_without_checksums_warns_once()
    {
        string dir = Path.Combine(root, "e");
        Assert.Equal(0, Run("--num-training-iterations", "2", "--checkpoint-dir", dir).Code);
        // Rewrite it as files were written before checksums existed: the same tensors and metadata, no checksum keys.
        var file = SafeTensors.Read(Ckpt(dir, 2));
        Assert.True(file.Verified);
        var metadata = file.Metadata.Where(m => m.Key != SafeTensors.HeaderChecksumKey && m.Key != SafeTensors.DataChecksumKey &&
                                                !m.Key.StartsWith(SafeTensors.TensorChecksumPrefix, StringComparison.Ordinal))
            .ToDictionary(m => m.Key, m => m.Value);
        SafeTensors.Write(Ckpt(dir, 2), file.Tensors, metadata);
        Assert.False(SafeTensors.Read(Ckpt(dir, 2)).Verified);

        var (code, output, err) = Run("--num-training-iterations", "3", "--checkpoint-dir", dir);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains($"Resumed from {Ckpt(dir, 2)} at step 2.", output);
        Assert.Single(output.Split('\n'), l => l == $"warning: {Ckpt(dir, 2)} records no checksums (written before they existed), so its data could not be verified.");
    }

    [Fact]
    public void Diverging_run_stops_with_exit_code_3_and_keeps_only_finite_checkpoints()
    {
        string dir = Path.Combine(root, "f");
        var (code, output, err) = Run("--num-training-iterations", "200", "--checkpoint-interval", "1", "--checkpoint-dir", dir,
            "--learning-rate", "1e30", "--max-grad-norm", "3e38", "--max-non-finite-steps", "4");
        Assert.Equal(Cli.Diverged, code);
        Assert.Equal(3, code);
        Assert.StartsWith("error: training diverged: 4 steps in a row up to step ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", err);
        // Every checkpoint left passes every check, finite values included, and the newest one is named in the message.
        var files = Directory.GetFiles(dir, "ckpt-*.safetensors").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var checkpoint = CheckpointDirectory.Validate(f);
            Assert.All(checkpoint.Parameters, p => Assert.True(p.Value.ToArray().All(float.IsFinite), p.Key));
        }
        Assert.Contains($"the newest checkpoint saved, {files[^1]}, holds finite parameters", err);
        Assert.True(CheckpointDirectory.Validate(files[^1]).Step < 200);
        Assert.Contains("Saved checkpoint", output);
        // The skipped steps are announced once per streak.
        Assert.Single(output.Split('\n'), l => l.StartsWith("warning: step ", StringComparison.Ordinal) && l.Contains(" not applied: loss ", StringComparison.Ordinal));
    }

    [Fact]
    public void Configuration_comparison_takes_numbers_as_values()
    {
        string dir = Path.Combine(root, "g");
        Assert.Equal(0, Run("--num-training-iterations", "1", "--checkpoint-dir", dir, "--optimizer-epsilon", "1e-10").Code);
        // A checkpoint whose configuration spells ε 1e-10 (or 0.0000000001) belongs to a run given --optimizer-epsilon 1E-10.
        var options = TrainOptions.Parse([.. Small, "--optimizer-epsilon", "1E-10"]);
        string current = options.ConfigurationJson();
        var directory = new CheckpointDirectory(dir, configurationDefaults: TrainOptions.LegacyConfigurationDefaults());
        foreach (var spelling in new[] { "1e-10", "0.0000000001", "1.0E-10" })
        {
            string saved = current.Replace("\"optimizer_epsilon\":1E-10", $"\"optimizer_epsilon\":{spelling}", StringComparison.Ordinal);
            Assert.NotEqual(current, saved);
            Assert.Null(directory.Differences(saved, current));
        }
        Assert.NotNull(directory.Differences(current.Replace("1E-10", "2E-10", StringComparison.Ordinal), current));
        // And end to end.
        var (code, output, err) = Run("--num-training-iterations", "2", "--checkpoint-dir", dir, "--optimizer-epsilon", "1E-10");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("Resumed from", output);
    }

    [Fact]
    public void Index_flag_builds_the_forest_and_is_part_of_the_configuration()
    {
        string[] sam = ["--model", "sam", "--memory-size", "8", "--sparse-reads", "2"];
        var forest = TrainOptions.Parse([.. Small, .. sam, "--index", "forest", "--checkpoint-dir", ""]);
        Assert.Equal(IndexKind.Forest, forest.Index);
        Assert.Contains("\"index\":\"forest\"", forest.ConfigurationJson());
        Assert.IsType<RandomisedKdForest>(((Sam)new Trainer(forest).Model.Module).Options.Index);
        var exact = TrainOptions.Parse([.. Small, .. sam, "--checkpoint-dir", ""]);
        Assert.Contains("\"index\":\"exact\"", exact.ConfigurationJson());
        Assert.Same(ExactNearestNeighbours.Instance, ((Sam)new Trainer(exact).Model.Module).Options.Index);
        var sdnc = TrainOptions.Parse([.. Small, "--model", "sdnc", "--memory-size", "8", "--index", "forest", "--checkpoint-dir", ""]);
        Assert.IsType<RandomisedKdForest>(((Sdnc)new Trainer(sdnc).Model.Module).Options.Index);
        Assert.DoesNotContain("index", TrainOptions.Parse([.. Small, "--checkpoint-dir", ""]).ConfigurationJson());

        // A checkpoint of the exact index is refused by a forest run, naming the setting.
        string dir = Path.Combine(root, "h");
        Assert.Equal(0, Run([.. sam, "--num-training-iterations", "1", "--checkpoint-dir", dir]).Code);
        var (code, _, err) = Run([.. sam, "--index", "forest", "--num-training-iterations", "2", "--checkpoint-dir", dir]);
        Assert.Equal(2, code);
        Assert.Contains("index: checkpoint \"exact\", this run \"forest\"", err);

        // A SAM configuration written before --index existed used the exact search.
        var directory = new CheckpointDirectory(dir, configurationDefaults: TrainOptions.LegacyConfigurationDefaults(ModelKind.Sam));
        string legacy = exact.ConfigurationJson().Replace(",\"index\":\"exact\"", "", StringComparison.Ordinal);
        Assert.NotEqual(exact.ConfigurationJson(), legacy);
        Assert.Null(directory.Differences(legacy, exact.ConfigurationJson()));
        Assert.NotNull(directory.Differences(legacy, forest.ConfigurationJson()));
    }

    [Fact]
    public void Optimizer_flag_picks_adam_and_is_part_of_the_configuration()
    {
        var adam = TrainOptions.Parse([.. Small, "--optimizer", "adam", "--learning-rate", "0.002", "--optimizer-epsilon", "1e-7", "--checkpoint-dir", ""]);
        Assert.Equal(OptimizerKind.Adam, adam.Optimizer);
        Assert.Contains("\"optimizer\":\"adam\"", adam.ConfigurationJson());
        var optimizer = Assert.IsType<Adam>(Trainer.CreateOptimizer(adam));
        Assert.Equal(0.002f, optimizer.LearningRate);
        Assert.Equal(1e-7f, optimizer.Epsilon);
        var rmsprop = TrainOptions.Parse([.. Small, "--checkpoint-dir", ""]);
        Assert.Equal(OptimizerKind.RmsProp, rmsprop.Optimizer);
        Assert.Contains("\"optimizer\":\"rmsprop\"", rmsprop.ConfigurationJson());
        Assert.IsType<RmsProp>(Trainer.CreateOptimizer(rmsprop));
        var e = Assert.Throws<UsageException>(() => TrainOptions.Parse([.. Small, "--optimizer", "sgd"]));
        Assert.Equal("--optimizer must be one of rmsprop, adam, got 'sgd'", e.Message);

        // An RMSProp checkpoint is refused by an Adam run, naming the setting; Adam trains and resumes its own.
        string dir = Path.Combine(root, "o");
        Assert.Equal(0, Run("--num-training-iterations", "1", "--checkpoint-dir", dir).Code);
        var (code, _, err) = Run("--optimizer", "adam", "--num-training-iterations", "2", "--checkpoint-dir", dir);
        Assert.Equal(2, code);
        Assert.Contains("optimizer: checkpoint \"rmsprop\", this run \"adam\"", err);
        string adamDir = Path.Combine(root, "o-adam");
        Assert.Equal(0, Run("--optimizer", "adam", "--num-training-iterations", "1", "--checkpoint-dir", adamDir).Code);
        var (resumed, output, _) = Run("--optimizer", "adam", "--num-training-iterations", "2", "--checkpoint-dir", adamDir);
        Assert.Equal(0, resumed);
        Assert.Contains("Resumed from", output);

        // A configuration written before --optimizer existed was trained with RMSProp.
        var directory = new CheckpointDirectory(dir, configurationDefaults: TrainOptions.LegacyConfigurationDefaults());
        string legacy = rmsprop.ConfigurationJson().Replace("\"optimizer\":\"rmsprop\",", "", StringComparison.Ordinal);
        Assert.NotEqual(rmsprop.ConfigurationJson(), legacy);
        Assert.Null(directory.Differences(legacy, rmsprop.ConfigurationJson()));
        Assert.NotNull(directory.Differences(legacy, TrainOptions.Parse([.. Small, "--optimizer", "adam", "--checkpoint-dir", ""]).ConfigurationJson()));
    }

    [Fact]
    public void Key_mask_switch_builds_the_masked_lookup_and_is_part_of_the_configuration()
    {
        var masked = TrainOptions.Parse([.. Small, "--key-mask", "--checkpoint-dir", ""]);
        Assert.True(masked.KeyMask);
        Assert.Contains("\"key_mask\":true", masked.ConfigurationJson());
        var dnc = (Dnc)new Trainer(masked).Model.Module;
        Assert.True(dnc.Options.KeyMask);
        Assert.Equal("MaskedContentAddressing", dnc.Access.ReadContentWeights.GetType().Name);
        // Off, the configuration is what it was before the switch existed.
        Assert.DoesNotContain("key_mask", TrainOptions.Parse([.. Small, "--checkpoint-dir", ""]).ConfigurationJson());
        var e = Assert.Throws<UsageException>(() => TrainOptions.Parse(["--model", "lstm", "--key-mask"]));
        Assert.Equal("--key-mask does not apply to --model lstm (only to dnc)", e.Message);
    }

    [Fact]
    public void Unwritable_viz_path_is_refused_before_training()
    {
        string file = Path.Combine(root, "plain.txt");
        File.WriteAllText(file, "x");
        string dir = Path.Combine(root, "i");
        var (code, output, err) = Run("--num-training-iterations", "5", "--checkpoint-dir", dir, "--viz", Path.Combine(file, "page.html"));
        Assert.Equal(2, code);
        Assert.StartsWith($"error: --viz {Path.Combine(file, "page.html")}: {file} is a file, not a directory", err);
        Assert.Empty(Directory.GetFiles(dir));
        Assert.DoesNotContain("Saved checkpoint", output);
    }

    [Fact]
    public void Sparse_option_errors_name_flags_not_types()
    {
        var e = new ArgumentException("SamOptions.SparseReads: must be in [1, MemorySize = 8], got 9", "SparseReads");
        Assert.Equal("--sparse-reads: must be in [1, --memory-size = 8], got 9", ModelRegistry.FlagMessage(e));
        var ntm = new ArgumentException("NtmOptions.NumWrites must be positive, got 0", "NumWrites");
        Assert.Equal("--num-write-heads must be positive, got 0", ModelRegistry.FlagMessage(ntm));
        var other = new ArgumentException("Something Else went wrong");
        Assert.Equal("Something Else went wrong", ModelRegistry.FlagMessage(other));
    }
}
