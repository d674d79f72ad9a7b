using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks;

public sealed class AddingTaskTests
{
    [Fact]
    public void Episode_is_one_hot_digits_then_the_end_marker_with_the_sum_on_its_step()
    {
        // S = 4: digits 0..2, end marker channel 3. One entry of L = 3: T = 4.
        var task = new AddingTask(inputSize: 4, batchSize: 1, minLength: 3, maxLength: 3);
        var data = task.Sample(new Generator(5));
        var rng = new Generator(5);
        Assert.Equal(3, rng.NextInt(3, 4));
        int[] digits = [rng.NextInt(0, 3), rng.NextInt(0, 3), rng.NextInt(0, 3)];

        Assert.Equal(new[] { 4, 1, 4 }, data.Observations.ShapeArray());
        Assert.Equal(new[] { 4, 1, 1 }, data.Targets.ShapeArray());
        for (int t = 0; t < 3; t++)
            for (int c = 0; c < 4; c++)
                Assert.Equal(c == digits[t] ? 1f : 0f, data.Observations.At(t, 0, c));
        Assert.Equal(new float[] { 0, 0, 0, 1 }, Enumerable.Range(0, 4).Select(c => data.Observations.At(3, 0, c)));
        Assert.Equal(new float[] { 0, 0, 0, digits.Sum() }, data.Targets.ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 1 }, data.Mask.ToArray());
    }

    [Fact]
    public void Entries_of_different_lengths_answer_on_their_own_end_marker_step()
    {
        var task = new AddingTask(inputSize: 3, batchSize: 2, minLength: 1, maxLength: 3);
        var data = task.Sample(new Generator(9));
        var rng = new Generator(9);
        int l0 = rng.NextInt(1, 4), l1 = rng.NextInt(1, 4);
        Assert.Equal(Math.Max(l0, l1) + 1, data.Observations.Dim(0));
        int[] lengths = [l0, l1];
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < data.Observations.Dim(0); t++)
            {
                Assert.Equal(t == lengths[b] ? 1f : 0f, data.Mask.At(t, b));
                Assert.Equal(t == lengths[b] ? 1f : 0f, data.Observations.At(t, b, 2));
                if (t > lengths[b]) Assert.Equal(0f, data.Observations.At(t, b, 0) + data.Observations.At(t, b, 1));
            }
    }

    [Fact]
    public void Same_seed_gives_the_same_batch()
    {
        var task = new AddingTask(batchSize: 8, maxLength: 10);
        var a = task.Sample(new Generator(1));
        var b = task.Sample(new Generator(1));
        Assert.Equal(a.Observations.ToArray(), b.Observations.ToArray());
        Assert.Equal(a.Targets.ToArray(), b.Targets.ToArray());
        Assert.Equal(a.Mask.ToArray(), b.Mask.ToArray());
    }

    [Fact]
    public void Cost_is_squared_error_on_the_answer_step_averaged_over_the_batch()
    {
        // T = 2, B = 2: entry 0 answers at t = 1 (target 5, output 3), entry 1 at t = 0 (target 2, output 2.5).
        var outputs = new Tensor([9f, 2.5f, 3f, -7f], 2, 2, 1).RequireGrad();
        var targets = new Tensor([0f, 2f, 5f, 0f], 2, 2, 1);
        var mask = new Tensor([0f, 1f, 1f, 0f], 2, 2);
        var task = new AddingTask();
        var cost = task.Cost(outputs, TaskBatch.Of(targets, mask));
        Assert.Equal((4.0 + 0.25) / 2, cost.Item(), 6);
        cost.Backward();
        // d/dy = mask·2(y − z)/B.
        Assert.Equal(new[] { 0f, 0.5f, -2f, 0f }, outputs.Grad!.ToArray());
        Assert.Equal((2f + 0.5f) / 2, task.Metric(outputs, TaskBatch.Of(targets, mask)));
        Assert.Equal("Absolute error", task.MetricName);
        Assert.Equal(new[] { 0f, 2.5f, 3f, 0f }, SequenceLosses.MaskedValues("test", outputs, mask).ToArray());
    }

    [Fact]
    public void Human_readable_shows_the_digits_the_sum_and_the_output()
    {
        // S = 3: digits 0..1, end marker channel 2; t0 = 1, t1 = 0, t2 = 1, t3 = end.
        var task = new AddingTask(inputSize: 3);
        var obs = new Tensor([0f, 1f, 0f, 1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], 4, 1, 3);
        var targ = new Tensor([0f, 0f, 0f, 2f], 4, 1, 1);
        var mask = new Tensor([0f, 0f, 0f, 1f], 4, 1);
        var output = new Tensor([0f, 0f, 0f, 1.75f], 4, 1, 1);
        Assert.Equal("\nInput: 1 0 1\nTarget: 2\nModel Output: 1.7500",
            task.Renderer.Render(new DatasetTensors(obs, targ, mask), output));
        Assert.Equal("\nInput: 1 0 1\nTarget: 2", task.Renderer.Render(new DatasetTensors(obs, targ, mask)));
    }

    [Fact]
    public void Sizes_and_bad_settings()
    {
        var task = new AddingTask(inputSize: 6, maxLength: 4);
        Assert.Equal((6, 1, 5, 16f), (task.ObservationSize, task.TargetSize, task.MaxEpisodeLength, task.LargestTarget));
        Assert.Contains("inputSize must be at least 2", Assert.Throws<ArgumentException>(() => new AddingTask(inputSize: 1)).Message);
        Assert.Contains("minLength (3) must not exceed maxLength (2)",
            Assert.Throws<ArgumentException>(() => new AddingTask(minLength: 3, maxLength: 2)).Message);
    }
}

public sealed class ArgmaxTaskTests
{
    [Fact]
    public void Target_is_the_first_index_of_the_largest_digit_on_the_end_marker_step()
    {
        var task = new ArgmaxTask(inputSize: 4, batchSize: 1, minLength: 4, maxLength: 4);
        for (ulong seed = 0; seed < 20; seed++)
        {
            var data = task.Sample(new Generator(seed));
            var rng = new Generator(seed);
            Assert.Equal(4, rng.NextInt(4, 5));
            int[] digits = [rng.NextInt(0, 3), rng.NextInt(0, 3), rng.NextInt(0, 3), rng.NextInt(0, 3)];
            int expected = Array.IndexOf(digits, digits.Max());
            Assert.Equal(new float[] { 0, 0, 0, 0, expected }, data.Targets.ToArray());
            Assert.Equal(new float[] { 0, 0, 0, 0, 1 }, data.Mask.ToArray());
            Assert.Equal(1f, data.Observations.At(4, 0, 3));
            for (int t = 0; t < 4; t++) Assert.Equal(1f, data.Observations.At(t, 0, digits[t]));
        }
    }

    [Fact]
    public void Ties_go_to_the_first_occurrence()
    {
        // Digits 0..1 only (S = 3), length 3: find a seed with a tie for the maximum and check the index.
        var task = new ArgmaxTask(inputSize: 3, batchSize: 1, minLength: 3, maxLength: 3);
        bool sawTie = false;
        for (ulong seed = 0; seed < 50; seed++)
        {
            var data = task.Sample(new Generator(seed));
            var digits = Enumerable.Range(0, 3).Select(t => data.Observations.At(t, 0, 1) == 1f ? 1 : 0).ToArray();
            if (digits.Count(d => d == digits.Max()) < 2) continue;
            sawTie = true;
            Assert.Equal(Array.IndexOf(digits, digits.Max()), (int)data.Targets.At(3, 0, 0));
        }
        Assert.True(sawTie);
    }

    [Fact]
    public void Cost_is_squared_error_and_accuracy_counts_rounded_answers()
    {
        // B = 3, T = 1: targets 2, 0, 3; outputs 2.4 (rounds to 2, right), 0.6 (1, wrong), 2.5 (3, right).
        var outputs = new Tensor([2.4f, 0.6f, 2.5f], 1, 3, 1).RequireGrad();
        var targets = new Tensor([2f, 0f, 3f], 1, 3, 1);
        var mask = new Tensor([1f, 1f, 1f], 1, 3);
        var task = new ArgmaxTask();
        Assert.Equal((0.16 + 0.36 + 0.25) / 3, task.Cost(outputs, TaskBatch.Of(targets, mask)).Item(), 5);
        Assert.Equal(2f / 3f, task.Metric(outputs, TaskBatch.Of(targets, mask)));
        Assert.Equal("Accuracy", task.MetricName);
        // A masked step never counts against an entry.
        var masked = new Tensor([1f, 0f, 1f], 1, 3);
        Assert.Equal(1f, task.Metric(outputs, TaskBatch.Of(targets, masked)));
    }

    [Fact]
    public void Same_seed_gives_the_same_batch()
    {
        var task = new ArgmaxTask(batchSize: 5, maxLength: 6);
        Assert.Equal(task.Sample(new Generator(8)).Targets.ToArray(), task.Sample(new Generator(8)).Targets.ToArray());
        Assert.Equal((5f, 7), (task.LargestTarget, task.MaxEpisodeLength));
    }
}

public sealed class TaskInterfaceTests
{
    public static TheoryData<string> Names => new() { "repeat-copy", "copy", "adding", "argmax" };

    private static (ITask Task, IEpisodeRenderer Renderer) Create(string name)
    {
        switch (name)
        {
            case "repeat-copy": var r = new RepeatCopy(numBits: 3, batchSize: 3, maxLength: 3); return (r, r.Renderer);
            case "copy": var c = new CopyTask(numBits: 3, batchSize: 3, maxLength: 4); return (c, c.Renderer);
            case "adding": var a = new AddingTask(batchSize: 3); return (a, a.Renderer);
            default: var m = new ArgmaxTask(batchSize: 3); return (m, m.Renderer);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_task_samples_the_shapes_it_declares_and_scores_a_perfect_answer_as_such(string name)
    {
        var (task, renderer) = Create(name);
        var data = task.Sample(new Generator(4));
        int steps = data.Observations.Dim(0);
        Assert.InRange(steps, 1, task.MaxEpisodeLength);
        Assert.Equal(new[] { steps, 3, task.ObservationSize }, data.Observations.ShapeArray());
        Assert.Equal(new[] { steps, 3, task.TargetSize }, data.Targets.ShapeArray());
        Assert.Equal(new[] { steps, 3 }, data.Mask.ShapeArray());

        // A perfect answer: logits ±10 for bits, the targets themselves for numbers.
        bool bits = name.Contains("copy", StringComparison.Ordinal);
        var perfect = bits ? Tensor.AddScalar(Tensor.Scale(data.Targets, 20f), -10f) : data.Targets.Clone();
        Assert.Equal(name == "argmax" ? 1f : 0f, task.Metric(perfect, data));
        Assert.True(task.Cost(perfect, data).Item() < (bits ? 0.01f : 1e-6f));
        Assert.StartsWith("\n", renderer.Render(data, perfect));
    }
}
