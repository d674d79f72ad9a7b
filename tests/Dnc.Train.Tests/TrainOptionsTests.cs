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
        Assert.Equal(Path.Combine(".", "checkpoints", "dnc"), o.CheckpointDir);
        Assert.Equal(1000, o.CheckpointInterval);
        Assert.Equal(0UL, o.Seed);
        Assert.Null(o.Viz);
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
        Assert.Contains("(default: 1E-10)", help);
        Assert.Contains("(default: 100000)", help);
    }
}
