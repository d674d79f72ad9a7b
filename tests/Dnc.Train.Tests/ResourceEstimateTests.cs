using DncTrain;

namespace DncTrain.Tests;

public sealed class ResourceEstimateTests
{
    private static readonly string[] Tiny =
    [
        "--hidden-size", "2", "--memory-size", "3", "--word-size", "2", "--num-read-heads", "1", "--num-bits", "1",
        "--batch-size", "2", "--max-length", "1", "--max-repeats", "1", "--checkpoint-dir", "",
    ];

    [Fact]
    public void Small_dnc_matches_the_hand_computed_estimate()
    {
        // Repeat copy, 1 bit: input X = 3, output Y = 2, T = (1 + 1)·1 + 3 = 5. H = 2, N = 3, Wd = 2, R = W = 1, B = 2.
        // Controller LSTM on X + R·Wd = 5 inputs: 4·2·(5 + 2 + 1) = 64. Interface: R·Wd + R + W·Wd + W + 2·W·Wd + R + 2W + R(1 + 2W)
        // = 2 + 1 + 2 + 1 + 4 + 1 + 2 + 3 = 16, with biases (2 + 1)·16 = 48. output_linear (H + R·Wd + 1)·Y = 5·2 = 10. P = 122.
        // Per step: memory 6 + link 9 + precedence, write weights, usage 3 + 3 + 3 + read weights 3 + read words 2 + h, c 4 = 33 + 3 = 36.
        var estimate = ResourceEstimate.Of(TrainOptions.Parse(Tiny));
        Assert.Equal(122, estimate.Parameters);
        Assert.Equal(4 * 3 * 122, estimate.ParameterBytes);
        Assert.Equal(5, estimate.TimeSteps);
        Assert.Equal(4 * 2 * (5 + 1) * 36, estimate.EpisodeBytes);
        Assert.Equal(1464 + 1728, estimate.TotalBytes);
        // Largest tensor: the LSTM weights [5 + 2, 4·2] = 56 elements (observations 30, link 18, memory 12, interface 32).
        Assert.Equal(56, estimate.LargestTensor);
        Assert.StartsWith("controller weights", estimate.LargestTensorName);
    }

    [Theory]
    [InlineData("dnc")]
    [InlineData("ntm")]
    [InlineData("ntm", "--controller", "feedforward")]
    [InlineData("sam")]
    [InlineData("sdnc")]
    [InlineData("dnc", "--task", "copy", "--num-write-heads", "2")]
    [InlineData("ntm", "--task", "adding", "--num-write-heads", "2", "--clip-value", "0")]
    [InlineData("sdnc", "--task", "argmax", "--clip-value", "0")]
    public void Parameter_count_equals_the_built_models(string model, params string[] extra)
    {
        var options = TrainOptions.Parse(["--model", model, "--hidden-size", "5", "--memory-size", "6", "--word-size", "3",
            "--num-read-heads", "2", "--batch-size", "2", "--checkpoint-dir", "", .. extra]);
        var trainer = new Trainer(options);
        trainer.Steps.Connect();
        Assert.Equal(trainer.Parameters.Sum(p => (double)p.Value.Size), ResourceEstimate.Of(options).Parameters);
    }

    [Fact]
    public void Check_refuses_exactly_what_exceeds_the_available_memory()
    {
        var options = TrainOptions.Parse(Tiny);
        var estimate = ResourceEstimate.Of(options);
        estimate.Check(options, availableBytes: 3192);
        var e = Assert.Throws<UsageException>(() => estimate.Check(options, availableBytes: 3191));
        Assert.Contains("needs at least 3.1 KiB", e.Message);
        Assert.Contains("122 parameters", e.Message);
        Assert.Contains("but 3.1 KiB of memory is available", e.Message);
    }

    [Fact]
    public void Dnc_of_8000_slots_is_refused_with_the_estimate()
    {
        // One link [16, 1, 8000, 8000] is 4 GiB per step; over the 9 steps of a default episode and the live state, 38 GiB.
        var options = TrainOptions.Parse(["--memory-size", "8000", "--checkpoint-dir", ""]);
        var estimate = ResourceEstimate.Of(options);
        Assert.True(estimate.EpisodeBytes > 10.0 * 4 * 16 * 8000 * 8000);
        var e = Assert.Throws<UsageException>(() => estimate.Check(options, availableBytes: 16L << 30));
        Assert.Contains("configuration too large: it needs at least 38.", e.Message);
        Assert.Contains("GiB", e.Message);
    }

    [Theory]
    [InlineData(1, "bytes", "1 bytes")]
    [InlineData(1536, "KiB", "1.5 KiB")]
    [InlineData(3L << 40, "TiB", "3.0 TiB")]
    public void Sizes_are_printed_in_binary_units(long bytes, string unit, string expected)
    {
        Assert.EndsWith(unit, ResourceEstimate.Size(bytes));
        Assert.Equal(expected, ResourceEstimate.Size(bytes));
    }
}
