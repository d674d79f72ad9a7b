using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks;

public sealed class RepeatCopyTests
{
    [Fact]
    public void Episode_layout_matches_repeat_copy_py_for_fixed_length_and_repeats()
    {
        // L = 2, R = 3, 3 bits: T = (3+1)·2+3 = 11.
        var task = new RepeatCopy(numBits: 3, batchSize: 1, minLength: 2, maxLength: 2, minRepeats: 3, maxRepeats: 3);
        var data = task.Sample(new Generator(7));

        // Replay the draws: length, repeats, then the pattern row by row.
        var rng = new Generator(7);
        Assert.Equal(2, rng.NextInt(2, 3));
        Assert.Equal(3, rng.NextInt(3, 4));
        var pattern = new float[2, 3];
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++)
                pattern[i, k] = rng.NextInt(0, 2);

        Assert.Equal(new[] { 11, 1, 5 }, data.Observations.ShapeArray());
        Assert.Equal(new[] { 11, 1, 4 }, data.Targets.ShapeArray());
        Assert.Equal(new[] { 11, 1 }, data.Mask.ShapeArray());

        var expectedObs = new float[11, 5];
        expectedObs[0, 3] = 1f;                        // start flag
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++)
                expectedObs[1 + i, k] = pattern[i, k];
        expectedObs[3, 4] = 3f / 10f;                  // repeats / normMax
        var expectedTarg = new float[11, 4];
        for (int r = 0; r < 3; r++)
            for (int i = 0; i < 2; i++)
                for (int k = 0; k < 3; k++)
                    expectedTarg[4 + 2 * r + i, k] = pattern[i, k];
        expectedTarg[10, 3] = 1f;                      // end flag on the last step
        var expectedMask = new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1 };

        for (int t = 0; t < 11; t++)
        {
            for (int c = 0; c < 5; c++) Assert.Equal(expectedObs[t, c], data.Observations.At(t, 0, c));
            for (int c = 0; c < 4; c++) Assert.Equal(expectedTarg[t, c], data.Targets.At(t, 0, c));
        }
        Assert.Equal(expectedMask, data.Mask.ToArray());
    }

    [Fact]
    public void Batch_is_padded_to_longest_episode_with_zero_mask()
    {
        var task = new RepeatCopy(numBits: 2, batchSize: 6, minLength: 1, maxLength: 3, minRepeats: 1, maxRepeats: 3);
        var data = task.Sample(new Generator(3));

        var rng = new Generator(3);
        var lengths = Enumerable.Range(0, 6).Select(_ => rng.NextInt(1, 4)).ToArray();
        var repeats = Enumerable.Range(0, 6).Select(_ => rng.NextInt(1, 4)).ToArray();
        var totals = lengths.Zip(repeats, (l, r) => (r + 1) * l + 3).ToArray();
        Assert.True(totals.Distinct().Count() > 1, "seed should give episodes of different lengths");
        int steps = totals.Max();
        Assert.Equal(steps, data.Observations.Dim(0));

        for (int b = 0; b < 6; b++)
        {
            int l = lengths[b], r = repeats[b];
            Assert.Equal(r / 10f, data.Observations.At(l + 1, b, 3));
            Assert.Equal(1f, data.Targets.At(totals[b] - 1, b, 2));
            for (int t = 0; t < steps; t++)
            {
                float expectedMask = t >= l + 2 && t < totals[b] ? 1f : 0f;
                Assert.Equal(expectedMask, data.Mask.At(t, b));
                if (t >= totals[b])
                {
                    for (int c = 0; c < 4; c++) Assert.Equal(0f, data.Observations.At(t, b, c));
                    for (int c = 0; c < 3; c++) Assert.Equal(0f, data.Targets.At(t, b, c));
                }
            }
            Assert.Equal(l * r + 1, Enumerable.Range(0, steps).Sum(t => (int)data.Mask.At(t, b)));
        }
    }

    [Fact]
    public void Same_generator_state_gives_same_batch()
    {
        var task = new RepeatCopy(numBits: 4, batchSize: 4, minLength: 1, maxLength: 2);
        var a = task.Sample(new Generator(11));
        var b = task.Sample(new Generator(11));
        Assert.Equal(a.Observations.ToArray(), b.Observations.ToArray());
        Assert.Equal(a.Targets.ToArray(), b.Targets.ToArray());
        Assert.Equal(a.Mask.ToArray(), b.Mask.ToArray());
        Assert.Equal((2 + 1) * 2 + 3, task.MaxEpisodeLength);
    }

    // T = 2, B = 2, F = 1; logits 0 and ln 3 so every term is a log of a small rational.
    private static (Tensor Logits, Tensor Targets, Tensor Mask) TinyCase()
    {
        float ln3 = MathF.Log(3f);
        var logits = new Tensor([0f, ln3, ln3, ln3], 2, 2, 1);
        var targets = new Tensor([1f, 0f, 1f, 0f], 2, 2, 1);
        var mask = new Tensor([1f, 0f, 1f, 1f], 2, 2);
        return (logits, targets, mask);
    }

    [Fact]
    public void Cost_is_masked_xent_summed_over_time_and_averaged_over_batch()
    {
        var (logits, targets, mask) = TinyCase();
        logits.RequireGrad();
        var task = new RepeatCopy(numBits: 1);
        var cost = task.Cost(logits, TaskBatch.Of(targets, mask));
        // b0: ln 2 (x=0) + ln(4/3) (x=ln3, z=1); b1: masked step, then ln 4 (x=ln3, z=0).
        double expected = (Math.Log(2) + Math.Log(4.0 / 3.0) + Math.Log(4)) / 2;
        Assert.Equal(expected, cost.Item(), 5);

        cost.Backward();
        // d/dx = mask·(σ(x) − z)/B.
        var expectedGrad = new[] { (0.5f - 1f) / 2, 0f, (0.75f - 1f) / 2, 0.75f / 2 };
        var grad = logits.Grad!.ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expectedGrad[i], grad[i], 5);
    }

    [Fact]
    public void Cost_time_average_and_bits_follow_deepmind_options()
    {
        var (logits, targets, mask) = TinyCase();
        var task = new RepeatCopy(numBits: 1, timeAverageCost: true, logProbInBits: true);
        double eps = 1.1920929e-07;
        double b0 = (Math.Log(2) + Math.Log(4.0 / 3.0)) / (2 + eps);
        double b1 = Math.Log(4) / (1 + eps);
        double expected = (b0 + b1) / 2 / Math.Log(2);
        Assert.Equal(expected, task.Cost(logits, TaskBatch.Of(targets, mask)).Item(), 5);
    }

    [Fact]
    public void Bit_errors_count_wrong_rounded_bits_on_masked_steps_per_sequence()
    {
        var (logits, targets, mask) = TinyCase();
        // t0b0: σ(0)=0.5 rounds to 0 ≠ 1 (error); t0b1 masked; t1b0: 1 = 1; t1b1: 1 ≠ 0 (error). 2 errors / 2 sequences.
        Assert.Equal(1f, RepeatCopy.BitErrors(logits, targets, mask));
        Assert.Equal(new[] { 0f, 0f, 1f, 1f }, RepeatCopy.RoundedPrediction(logits, mask).ToArray());
    }

    [Fact]
    public void Cost_rejects_mismatched_shapes_naming_both()
    {
        var task = new RepeatCopy(numBits: 1);
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            task.Cost(Tensor.Zeros(3, 2, 2), TaskBatch.Of(Tensor.Zeros(3, 2, 3), Tensor.Zeros(3, 2))));
        Assert.Contains("[3, 2, 2]", ex.Message);
        Assert.Contains("[3, 2, 3]", ex.Message);
    }

    [Fact]
    public void Human_readable_rendering_matches_to_human_readable()
    {
        // One bit, L = 1 (pattern "1"), R = 2: T = 6.
        var task = new RepeatCopy(numBits: 1, batchSize: 2);
        var obs = Tensor.Zeros(6, 2, 3);
        var targ = Tensor.Zeros(6, 2, 2);
        var mask = Tensor.Zeros(6, 2);
        void SetObs(int t, int b, int c, float v) => obs.Data[(t * 2 + b) * 3 + c] = v;
        void SetTarg(int t, int b, int c, float v) => targ.Data[(t * 2 + b) * 2 + c] = v;
        SetObs(0, 0, 1, 1f); SetObs(1, 0, 0, 1f); SetObs(2, 0, 2, 0.2f);
        SetTarg(3, 0, 0, 1f); SetTarg(4, 0, 0, 1f); SetTarg(5, 0, 1, 1f);
        for (int t = 3; t < 6; t++) mask.Data[t * 2] = 1f;   // the output phase of entry 0: where the prediction is shown
        SetObs(0, 1, 1, 1f); SetObs(2, 1, 2, 0.1f);
        var data = new DatasetTensors(obs, targ, mask);
        var output = Tensor.Zeros(6, 2, 2);
        output.Data[(3 * 2 + 0) * 2 + 0] = 1f;
        output.Data[(5 * 2 + 0) * 2 + 1] = 1f;

        string expected = "\nObservations:\n+- 1 - - - -+\n+1 - - - - -+\n+- - 2 - - -+\n\n" +
                          "Targets:\n+- - - 1 1 -+\n+- - - - - 1+\n\n" +
                          "Model Output:\n+- - - 1 - -+\n+- - - - - 1+";
        Assert.Equal(expected, task.Renderer.Render(data, TaskBatch.Logits(output)));

        string whole = task.Renderer.Render(data, wholeBatch: true);
        string second = "Observations:\n+- - - - - -+\n+1 - - - - -+\n+- - 1 - - -+\n\n" +
                        "Targets:\n+- - - - - -+\n+- - - - - -+";
        Assert.EndsWith("\n\n\n\n" + second, whole);
        Assert.DoesNotContain("Model Output", whole);
    }
}

public sealed class RepeatCopyConfigurationTests
{
    [Theory]
    [InlineData(0, 1, 1, 1, 1, "numBits must be positive")]
    [InlineData(2, 0, 1, 1, 1, "batchSize must be positive")]
    [InlineData(2, 1, 3, 2, 1, "minLength (3) must not exceed maxLength (2)")]
    [InlineData(2, 1, 1, 1, 3, "minRepeats (3) must not exceed maxRepeats (2)")]
    public void Bad_configuration_is_rejected_with_the_reason(int bits, int batch, int minLength, int maxLength, int minRepeats, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new RepeatCopy(bits, batch, minLength, maxLength, minRepeats, maxRepeats: 2));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Sizes_follow_the_number_of_bits()
    {
        var task = new RepeatCopy(numBits: 6);
        Assert.Equal(8, task.ObservationSize);
        Assert.Equal(7, task.TargetSize);
        Assert.Equal((2 + 1) * 1 + 3, task.MaxEpisodeLength);
    }

    /// <summary>
    /// A batch drawn inside a <see cref="TensorArena"/> scope lives on the arena's storage: its values equal those of the
    /// same draw outside any scope even on storage an earlier scope filled with another batch (and the pool poisoned with
    /// NaN on rent), and reading it after its scope has ended throws instead of returning what the storage holds since.
    /// </summary>
    [Fact]
    public void A_batch_drawn_in_an_arena_scope_equals_the_plain_draw_and_is_released_with_the_scope()
    {
        var task = new RepeatCopy(numBits: 3, batchSize: 4, minLength: 1, maxLength: 3, minRepeats: 1, maxRepeats: 2);
        var plain = task.Sample(new Generator(11));
        var arena = new TensorArena();
        BufferPool.PoisonOnRent = true;
        try
        {
            using (arena.Enter()) task.Sample(new Generator(5));   // leaves other values in the arena's buffers
            DatasetTensors kept;
            using (arena.Enter())
            {
                kept = task.Sample(new Generator(11));
                Assert.Equal(plain.Observations.ToArray(), kept.Observations.ToArray());
                Assert.Equal(plain.Targets.ToArray(), kept.Targets.ToArray());
                Assert.Equal(plain.Mask.ToArray(), kept.Mask.ToArray());
            }
            Assert.True(kept.Observations.IsReleased);
            Assert.Throws<ObjectDisposedException>(() => kept.Targets.ToArray());
            Assert.False(plain.Observations.IsReleased);
        }
        finally
        {
            BufferPool.PoisonOnRent = false;
        }
    }
}
