using DncTrain;

namespace DncTrain.Tests;

public sealed class TrainOptionsTests
{
    [Fact]
    public void Defaults_mirror_train_py()
    {
        var o = TrainOptions.Parse([]);
        Assert.Equal((64, 16, 16, 1, 4), (o.HiddenSize, o.MemorySize, o.WordSize, o.NumWriteHeads, o.NumReadHeads));
        Assert.Equal((20f, 50f, 1e-4f, 1e-10f), (o.ClipValue, o.MaxGradNorm, o.LearningRate, o.OptimizerEpsilon));
        Assert.Equal((4, 16, 1, 2, 1, 2), (o.NumBits, o.BatchSize, o.MinLength, o.MaxLength, o.MinRepeats, o.MaxRepeats));
        Assert.Equal((100_000, 100), (o.NumTrainingIterations, o.ReportInterval));
        Assert.Equal(TrainOptions.DefaultCheckpointDir(o), o.CheckpointDir);
        Assert.Equal(1000, o.CheckpointInterval);
        Assert.Equal(0UL, o.Seed);
        Assert.Null(o.Viz);
        Assert.Equal((ModelKind.Dnc, TaskKind.RepeatCopy, ControllerKind.Lstm, 4, 8, 6),
            (o.Model, o.Task, o.Controller, o.SparseReads, o.LinkSparsity, o.InputSize));
    }

    [Theory]
    [InlineData("copy", 8, 1, 20)]
    [InlineData("adding", 4, 2, 4)]
    [InlineData("argmax", 4, 2, 4)]
    [InlineData("repeat-copy", 4, 1, 2)]
    public void Each_task_starts_from_its_own_defaults(string task, int bits, int minLength, int maxLength)
    {
        var o = TrainOptions.Parse(["--task", task]);
        Assert.Equal(task, Choices.Name(o.Task));
        Assert.Equal((bits, minLength, maxLength), (o.NumBits, o.MinLength, o.MaxLength));
    }

    [Fact]
    public void Default_checkpoint_directory_is_per_model_task_and_configuration()
    {
        var plain = TrainOptions.Parse(["--task", "repeat-copy"]);
        // The digest is the first 8 hex digits of the SHA-256 of the configuration the checkpoint must match.
        string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(plain.ConfigurationJson())))[..8];
        Assert.Equal(Path.Combine(".", "checkpoints", "dnc-repeat-copy-" + digest), plain.CheckpointDir);
        Assert.StartsWith(Path.Combine(".", "checkpoints", "dnc-copy-"), TrainOptions.Parse(["--task", "copy"]).CheckpointDir);
        Assert.StartsWith(Path.Combine(".", "checkpoints", "sdnc-argmax-"), TrainOptions.Parse(["--model", "sdnc", "--task", "argmax"]).CheckpointDir);
        Assert.Equal("mine", TrainOptions.Parse(["--checkpoint-dir", "mine", "--task", "adding"]).CheckpointDir);
        // The README's examples that used to refuse each other: same model and task, other settings.
        Assert.NotEqual(plain.CheckpointDir, TrainOptions.Parse(["--num-bits", "4", "--max-length", "3"]).CheckpointDir);
        // Settings that do not enter the configuration (run length, reports) keep the directory, so runs resume.
        Assert.Equal(plain.CheckpointDir, TrainOptions.Parse(["--num-training-iterations", "7", "--report-interval", "3"]).CheckpointDir);
    }

    [Fact]
    public void Task_defaults_do_not_override_flags_given_before_the_task()
    {
        var o = TrainOptions.Parse(["--max-length", "5", "--num-bits", "3", "--task", "copy"]);
        Assert.Equal((TaskKind.Copy, 3, 1, 5), (o.Task, o.NumBits, o.MinLength, o.MaxLength));
        var a = TrainOptions.Parse(["--task=argmax", "--input-size", "10", "--min-length", "3", "--max-length", "15"]);
        Assert.Equal((TaskKind.Argmax, 10, 3, 15), (a.Task, a.InputSize, a.MinLength, a.MaxLength));
    }

    [Theory]
    [InlineData(new[] { "--task", "sort" }, "--task must be one of repeat-copy, copy, adding, argmax, graph-traversal, shortest-path, inference, babi, got 'sort'")]
    [InlineData(new[] { "--model", "gru" }, "--model must be one of dnc, ntm, sam, sdnc, lstm, got 'gru'")]
    [InlineData(new[] { "--task", "adding", "--num-bits", "4" }, "--num-bits does not apply to --task adding (only to repeat-copy, copy)")]
    [InlineData(new[] { "--num-bits", "4", "--task", "argmax" }, "--num-bits does not apply to --task argmax (only to repeat-copy, copy)")]
    [InlineData(new[] { "--task", "copy", "--max-repeats", "3" }, "--max-repeats does not apply to --task copy (only to repeat-copy)")]
    [InlineData(new[] { "--input-size", "5" }, "--input-size does not apply to --task repeat-copy (only to adding, argmax)")]
    [InlineData(new[] { "--sparse-reads", "2" }, "--sparse-reads does not apply to --model dnc (only to sam, sdnc)")]
    [InlineData(new[] { "--controller", "feedforward" }, "--controller does not apply to --model dnc (only to ntm)")]
    [InlineData(new[] { "--model", "sam", "--link-sparsity", "4" }, "--link-sparsity does not apply to --model sam (only to sdnc)")]
    [InlineData(new[] { "--model", "ntm", "--controller", "rnn" }, "--controller must be one of lstm, feedforward, got 'rnn'")]
    [InlineData(new[] { "--task", "adding", "--input-size", "1" }, "--input-size must be at least 2 (digits and the end marker), got 1")]
    [InlineData(new[] { "--task", "adding", "--max-length", "10" },
        "--task adding: the largest target 40 (from --input-size 6 and --max-length 10) exceeds --clip-value 20")]
    [InlineData(new[] { "--task", "argmax", "--max-length", "30" },
        "--task argmax: the largest target 29 (from --input-size 6 and --max-length 30) exceeds --clip-value 20")]
    public void Bad_model_and_task_combinations_give_one_line_messages(string[] args, string expected)
    {
        var e = Assert.Throws<UsageException>(() => TrainOptions.Parse(args));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Adding_with_long_sequences_is_fine_without_clipping()
    {
        var o = TrainOptions.Parse(["--task", "adding", "--max-length", "10", "--clip-value", "0"]);
        Assert.Equal(10, o.MaxLength);
    }

    [Theory]
    [InlineData("ntm")]
    [InlineData("sam")]
    [InlineData("sdnc")]
    public void Every_model_parses_and_builds(string model)
    {
        var options = TrainOptions.Parse(["--model", model, "--checkpoint-dir", ""]);
        Assert.Equal(Choices.Parse<ModelKind>("model", model, Choices.Name), options.Model);
        Assert.Equal(model, ModelRegistry.Create(options, outputSize: 3).Name);
    }

    [Fact]
    public void Configuration_json_names_model_and_task_and_only_their_settings()
    {
        string repeat = TrainOptions.Parse([]).ConfigurationJson();
        Assert.StartsWith("{\"model\":\"dnc\",\"task\":\"repeat-copy\",", repeat);
        Assert.Contains("\"min_repeats\":1", repeat);
        Assert.DoesNotContain("input_size", repeat);
        Assert.DoesNotContain("sparse_reads", repeat);

        string adding = TrainOptions.Parse(["--task", "adding"]).ConfigurationJson();
        Assert.Contains("\"task\":\"adding\"", adding);
        Assert.Contains("\"input_size\":6", adding);
        Assert.DoesNotContain("num_bits", adding);
        Assert.DoesNotContain("repeats", adding);
    }

    [Fact]
    public void Parses_space_and_equals_forms()
    {
        var o = TrainOptions.Parse(["--memory-size", "32", "--learning-rate=0.001", "--seed", "7", "--viz", "out.html",
            "--checkpoint-dir=", "--max-length", "5"]);
        Assert.Equal(32, o.MemorySize);
        Assert.Equal(1e-3f, o.LearningRate);
        Assert.Equal(7UL, o.Seed);
        Assert.Equal("out.html", o.Viz);
        Assert.False(o.CheckpointsEnabled);
        Assert.Equal(5, o.MaxLength);
    }

    [Theory]
    [InlineData(new[] { "--memroy-size", "3" }, "unknown flag --memroy-size")]
    [InlineData(new[] { "--num-bits", "four" }, "--num-bits needs an integer, got 'four'")]
    [InlineData(new[] { "--learning-rate", "fast" }, "--learning-rate needs a number, got 'fast'")]
    [InlineData(new[] { "--min-length", "3" }, "--min-length (3) must not exceed --max-length (2)")]
    [InlineData(new[] { "--min-repeats", "4", "--max-repeats", "3" }, "--min-repeats (4) must not exceed --max-repeats (3)")]
    [InlineData(new[] { "--memory-size", "-1" }, "--memory-size must be positive, got -1")]
    [InlineData(new[] { "--batch-size", "0" }, "--batch-size must be positive, got 0")]
    [InlineData(new[] { "--clip-value", "-2" }, "--clip-value must be 0 or more, got -2")]
    [InlineData(new[] { "--seed", "-1" }, "--seed needs a non-negative integer, got '-1'")]
    [InlineData(new[] { "--hidden-size" }, "--hidden-size needs a value")]
    [InlineData(new[] { "64" }, "unexpected argument '64'")]
    [InlineData(new[] { "--checkpoint-interval", "0" }, "--checkpoint-interval must be positive or -1, got 0")]
    public void Bad_flags_give_one_line_messages(string[] args, string expected)
    {
        var e = Assert.Throws<UsageException>(() => TrainOptions.Parse(args));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Configuration_json_ignores_run_length_and_paths_but_not_model()
    {
        var a = TrainOptions.Parse(["--num-training-iterations", "10", "--checkpoint-dir", "x"]);
        var b = TrainOptions.Parse(["--num-training-iterations", "99", "--report-interval", "3"]);
        var c = TrainOptions.Parse(["--memory-size", "8"]);
        Assert.Equal(a.ConfigurationJson(), b.ConfigurationJson());
        Assert.NotEqual(a.ConfigurationJson(), c.ConfigurationJson());
        Assert.Contains("\"memory_size\":8", c.ConfigurationJson());
    }

    [Fact]
    public void Help_lists_every_flag_with_default()
    {
        string help = TrainOptions.HelpText();
        foreach (var flag in new[] { "--hidden-size", "--memory-size", "--word-size", "--num-write-heads", "--num-read-heads",
                     "--clip-value", "--max-grad-norm", "--learning-rate", "--optimizer-epsilon", "--num-bits", "--batch-size",
                     "--min-length", "--max-length", "--min-repeats", "--max-repeats", "--num-training-iterations",
                     "--report-interval", "--checkpoint-dir", "--checkpoint-interval", "--seed", "--viz" })
            Assert.Contains(flag + " ", help);
        foreach (var flag in new[] { "--model", "--task", "--controller", "--sparse-reads", "--link-sparsity", "--input-size" })
            Assert.Contains(flag + " ", help);
        Assert.Contains("(default: 1E-10)", help);
        Assert.Contains("[repeat-copy, copy] (default: 4; copy: 8)", help);
        Assert.Contains("(default: 2; copy: 20; adding: 4; argmax: 4)", help);
        Assert.Contains("[sam, sdnc] (default: 4)", help);
        Assert.Contains("(default: 100000)", help);
    }
}
