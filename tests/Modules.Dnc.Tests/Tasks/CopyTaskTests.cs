using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks;

public sealed class CopyTaskTests
{
    [Fact]
    public void Episode_has_the_vectors_then_the_delimiter_then_a_blank_output_phase()
    {
        // One entry, L = 3, 2 bits: T = 2·3+1 = 7.
        var task = new CopyTask(numBits: 2, batchSize: 1, minLength: 3, maxLength: 3);
        var data = task.Sample(new Generator(11));

        var rng = new Generator(11);
        Assert.Equal(3, rng.NextInt(3, 4));
        var pattern = new float[3, 2];
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 2; k++)
                pattern[i, k] = rng.NextInt(0, 2);

        Assert.Equal(new[] { 7, 1, 3 }, data.Observations.ShapeArray());
        Assert.Equal(new[] { 7, 1, 2 }, data.Targets.ShapeArray());
        Assert.Equal(new[] { 7, 1 }, data.Mask.ShapeArray());
        for (int t = 0; t < 7; t++)
        {
            for (int k = 0; k < 2; k++)
            {
                Assert.Equal(t < 3 ? pattern[t, k] : 0f, data.Observations.At(t, 0, k));
                Assert.Equal(t >= 4 ? pattern[t - 4, k] : 0f, data.Targets.At(t, 0, k));
            }
            Assert.Equal(t == 3 ? 1f : 0f, data.Observations.At(t, 0, 2));   // the delimiter, only at t = L
        }
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 1, 1 }, data.Mask.ToArray());
    }

    [Fact]
    public void Shorter_entries_are_padded_with_mask_zero()
    {
        // A hand-built check of the layout rule for two entries of different lengths.
        var task = new CopyTask(numBits: 1, batchSize: 2, minLength: 1, maxLength: 3);
        var rng = new Generator(3);
        var data = task.Sample(rng);
        var replay = new Generator(3);
        int l0 = replay.NextInt(1, 4), l1 = replay.NextInt(1, 4);
        Assert.Equal(2 * Math.Max(l0, l1) + 1, data.Observations.Dim(0));
        int[] lengths = [l0, l1];
        for (int b = 0; b < 2; b++)
        {
            int l = lengths[b];
            for (int t = 0; t < data.Observations.Dim(0); t++)
            {
                Assert.Equal(t > l && t <= 2 * l ? 1f : 0f, data.Mask.At(t, b));
                Assert.Equal(t == l ? 1f : 0f, data.Observations.At(t, b, 1));
            }
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_batch_and_the_generator_advances()
    {
        var task = new CopyTask(numBits: 8, batchSize: 4);
        var a = task.Sample(new Generator(42));
        var b = task.Sample(new Generator(42));
        Assert.Equal(a.Observations.ToArray(), b.Observations.ToArray());
        Assert.Equal(a.Targets.ToArray(), b.Targets.ToArray());
        Assert.Equal(a.Mask.ToArray(), b.Mask.ToArray());
        var rng = new Generator(42);
        task.Sample(rng);
        Assert.NotEqual(a.Observations.ToArray(), task.Sample(rng).Observations.ToArray());
    }

    [Fact]
    public void Cost_is_masked_cross_entropy_per_sequence_in_bits_by_default()
    {
        // T = 2, B = 2, F = 1 with logits 0 and ln 3.
        float ln3 = MathF.Log(3f);
        var logits = new Tensor([0f, ln3, ln3, ln3], 2, 2, 1).RequireGrad();
        var targets = new Tensor([1f, 0f, 1f, 0f], 2, 2, 1);
        var mask = new Tensor([1f, 0f, 1f, 1f], 2, 2);
        var task = new CopyTask(numBits: 1);
        var cost = task.Cost(logits, TaskBatch.Of(targets, mask));
        // b0: ln 2 + ln(4/3); b1: ln 4; averaged over B = 2, divided by ln 2: (1 + log2(4/3) + 2) / 2.
        double expected = (1 + Math.Log2(4.0 / 3.0) + 2) / 2;
        Assert.Equal(expected, cost.Item(), 5);
        cost.Backward();
        double s = 1 / Math.Log(2) / 2;
        var expectedGrad = new[] { (0.5 - 1) * s, 0, (0.75 - 1) * s, 0.75 * s };
        var grad = logits.Grad!.ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expectedGrad[i], grad[i], 5);

        var nats = new CopyTask(numBits: 1, logProbInBits: false);
        Assert.Equal((Math.Log(2) + Math.Log(4.0 / 3.0) + Math.Log(4)) / 2, nats.Cost(logits, TaskBatch.Of(targets, mask)).Item(), 5);
    }

    [Fact]
    public void Bit_errors_count_only_the_output_phase()
    {
        // T = 3, B = 1, F = 2: the first step is the input phase (mask 0) and is wrong everywhere, which must not count.
        var logits = new Tensor([5f, 5f, 1f, -1f, -2f, -3f], 3, 1, 2);
        var targets = new Tensor([0f, 0f, 1f, 1f, 0f, 1f], 3, 1, 2);
        var mask = new Tensor([0f, 1f, 1f], 3, 1);
        var task = new CopyTask(numBits: 2);
        Assert.Equal(2f, task.Metric(logits, TaskBatch.Of(targets, mask)));   // t1 bit 1 and t2 bit 1
        Assert.Equal(new float[] { 0, 0, 1, 0, 0, 0 }, SequenceLosses.RoundedBits("test", logits, mask).ToArray());
        Assert.Equal("Bit errors per sequence", task.MetricName);
    }

    [Fact]
    public void Sizes_and_longest_episode_follow_the_settings()
    {
        var task = new CopyTask();
        Assert.Equal((8, 9, 8, 41), (task.NumBits, task.ObservationSize, task.TargetSize, task.MaxEpisodeLength));
        Assert.Equal((1, 20), (task.MinLength, task.MaxLength));
        var e = Assert.Throws<ArgumentException>(() => new CopyTask(minLength: 5, maxLength: 4));
        Assert.Contains("minLength (5) must not exceed maxLength (4)", e.Message);
    }

    [Fact]
    public void Human_readable_shows_channels_with_the_delimiter_last()
    {
        var task = new CopyTask(numBits: 1);
        var obs = new Tensor([1f, 0f, 0f, 1f, 0f, 0f], 3, 1, 2);   // bit 1 at t0, delimiter at t1
        var targ = new Tensor([0f, 0f, 1f], 3, 1, 1);
        var mask = new Tensor([0f, 0f, 1f], 3, 1);
        var text = task.Renderer.Render(new DatasetTensors(obs, targ, mask), TaskBatch.Logits(new Tensor([0f, 0f, 1f], 3, 1, 1)));
        Assert.Equal("\nObservations:\n+1 - -+\n+- 1 -+\n\nTargets:\n+- - 1+\n\nModel Output:\n+- - 1+", text);
    }
}
