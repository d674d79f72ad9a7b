using Modules.Dnc.Tasks.Babi;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks.Babi;

public sealed class BabiTaskTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "babi-task-" + Guid.NewGuid().ToString("N"));

    public BabiTaskTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private BabiDataset Data(params (string Name, string Text)[] files)
    {
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(dir, name), text);
        return BabiDataset.Load(dir);
    }

    [Fact]
    public void Each_word_is_one_step_and_each_answer_word_a_masked_dash()
    {
        var data = Data(("qa19_path_train.txt",
            "1 Mary went to the kitchen.\n2 Where is Mary? \tkitchen\t1\n3 John went to the hallway.\n4 Path? \tn,w\t3\n"));
        var task = new BabiTask(data, batchSize: 1);
        var v = data.Vocabulary;
        var batch = data.Vocabulary.Encode(data.Train);
        // mary went to the kitchen . where is mary ? - john went to the hallway . path ? - -
        string[] expected = ["mary", "went", "to", "the", "kitchen", ".", "where", "is", "mary", "?", "-",
            "john", "went", "to", "the", "hallway", ".", "path", "?", "-", "-"];
        Assert.Equal(new[] { expected.Length, 1, v.Count }, batch.Observations.ShapeArray());
        Assert.Equal(expected.Length, task.MaxEpisodeLength);
        for (int t = 0; t < expected.Length; t++)
        {
            var row = Enumerable.Range(0, v.Count).Where(c => batch.Observations.At(t, 0, c) == 1f).ToArray();
            Assert.Equal(new[] { v.IndexOf(expected[t]) }, row);
        }
        Assert.Equal(expected.Select(w => w == "-" ? 1f : 0f), batch.Mask.ToArray());
        Assert.Equal(1f, batch.Targets.At(10, 0, v.IndexOf("kitchen")));
        Assert.Equal(1f, batch.Targets.At(19, 0, v.IndexOf("n")));
        Assert.Equal(1f, batch.Targets.At(20, 0, v.IndexOf("w")));
        Assert.Equal(3f, batch.Targets.ToArray().Sum());

        // A question is right only when every answer word is: getting "w" wrong fails the path question alone.
        var logits = (batch.Targets * 10f).Clone();
        Assert.Equal(0f, task.Metric(logits, batch));
        logits.Data[20 * v.Count + v.IndexOf("n")] = 20f;
        Assert.Equal(0.5f, task.Metric(logits, batch));
        var score = new BabiScore();
        task.Score(data.Train, logits, batch, score);
        Assert.Equal((1, 2), score.PerTask[19]);

        // Uniform logits: each answer word costs ln V.
        Assert.Equal(3 * Math.Log(v.Count), task.Cost(Tensor.Zeros(batch.Targets.ShapeArray()), batch).Item(), 4);
    }

    [Fact]
    public void Shorter_stories_are_padded_without_answers()
    {
        var data = Data(("qa1_a_train.txt",
            "1 Mary went to the kitchen.\n2 Where is Mary? \tkitchen\t1\n1 Where is Mary? \tkitchen\t\n"));
        var task = new BabiTask(data, batchSize: 2);
        var batch = data.Vocabulary.Encode(data.Train);
        Assert.Equal(11, batch.Mask.Dim(0));
        Assert.Equal(1f, batch.Mask.At(10, 0));
        Assert.Equal(1f, batch.Mask.At(4, 1));
        Assert.Equal(2f, batch.Mask.ToArray().Sum());
        for (int t = 5; t < 11; t++) Assert.All(Enumerable.Range(0, data.Vocabulary.Count), c => Assert.Equal(0f, batch.Observations.At(t, 1, c)));
    }

    [Fact]
    public void The_score_gives_per_task_error_mean_error_and_failed_tasks()
    {
        var score = new BabiScore();
        for (int i = 0; i < 100; i++) score.Add(1, true);
        for (int i = 0; i < 100; i++) score.Add(2, i >= 10);   // 10 % error: failed
        for (int i = 0; i < 20; i++) score.Add(6, i != 0);      // 5 % error: not above 5 %, passes
        Assert.Equal(0.0, score.Error(1));
        Assert.Equal(0.10, score.Error(2), 12);
        Assert.Equal(0.05, score.Error(6), 12);
        Assert.Equal(0.05, score.MeanError, 12);
        Assert.Equal(1, score.FailedTasks);
        Assert.Equal("task  1  error   0.0 %  (100/100)\ntask  2  error  10.0 %  (90/100)\ntask  6  error   5.0 %  (19/20)\n" +
            "mean error 5.0 %, failed tasks (error > 5 %): 1 of 3", score.ToString());
    }

    [Fact]
    public void Sampling_is_seeded_and_draws_from_every_task()
    {
        BabiStyleGenerator.WriteTasks(dir, new Generator(1), trainStories: 20, validStories: 2, testStories: 2);
        var task = new BabiTask(BabiDataset.Load(dir), batchSize: 16);
        var a = task.Sample(new Generator(5));
        Assert.Equal(a.Observations.ToArray(), task.Sample(new Generator(5)).Observations.ToArray());
        Assert.InRange(a.Observations.Dim(0), 1, task.MaxEpisodeLength);
        var tasks = Enumerable.Range(0, 10).SelectMany(i => task.SampleStories(new Generator((ulong)i))).Select(s => s.Task).ToHashSet();
        Assert.Equal(new[] { 1, 2, 6 }, tasks.Order());
    }
}
