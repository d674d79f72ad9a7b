using DncTrain;
using Modules.Checkpoints;
using Modules.Training;

namespace DncTrain.Tests;

/// <summary>A few steps of the DNC on each task: finite losses, checkpoints, exact resume, reports and --viz.</summary>
public sealed class TaskTrainingTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-tasks-" + Guid.NewGuid().ToString("N"));

    public TaskTrainingTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] TinyModel =
    [
        "--hidden-size", "8", "--memory-size", "6", "--word-size", "3", "--num-read-heads", "2", "--batch-size", "3",
        "--report-interval", "1000", "--checkpoint-interval", "-1", "--seed", "3", "--learning-rate", "1e-3",
    ];

    private static string[] TaskFlags(string task) => task switch
    {
        "copy" => ["--task", "copy", "--num-bits", "3", "--max-length", "4"],
        "adding" => ["--task", "adding", "--input-size", "4", "--max-length", "3"],
        "argmax" => ["--task", "argmax", "--input-size", "5"],
        _ => ["--task", "repeat-copy", "--num-bits", "2"],
    };

    private static TrainOptions Options(string task, params string[] extra) => TrainOptions.Parse([.. TinyModel, .. TaskFlags(task), .. extra]);

    public static TheoryData<string> Tasks => new() { "repeat-copy", "copy", "adding", "argmax" };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Short_run_has_finite_losses_writes_a_checkpoint_and_resumes_exactly(string task)
    {
        var oneGo = new Trainer(Options(task, "--num-training-iterations", "6", "--checkpoint-dir", ""));
        var whole = oneGo.Run();
        Assert.All(whole.Losses, l => Assert.True(float.IsFinite(l) && l >= 0, $"loss {l}"));
        Assert.All(whole.Metrics, e => Assert.True(float.IsFinite(e) && e >= 0, $"error {e}"));
        Assert.Equal("dnc", oneGo.Model.Name);

        string dir = Path.Combine(root, task);
        new Trainer(Options(task, "--num-training-iterations", "3", "--checkpoint-dir", dir)).Run();
        Assert.True(File.Exists(Path.Combine(dir, Checkpoint.FileName(3))));
        var second = new Trainer(Options(task, "--num-training-iterations", "6", "--checkpoint-dir", dir));
        var rest = second.Run();
        Assert.Equal(6, rest.Steps);
        Assert.Equal(whole.Losses.Skip(3), rest.Losses);
        var expected = oneGo.Parameters.ToDictionary(p => p.Key, p => p.Value.ToArray());
        foreach (var (path, value) in second.Parameters) Assert.Equal(expected[path], value.ToArray());
    }

    [Fact]
    public void The_model_is_sized_by_the_task()
    {
        var adding = new Trainer(Options("adding", "--num-training-iterations", "1", "--checkpoint-dir", ""));
        adding.Run();
        // One output (the sum) from H + R·Wd = 8 + 2·3; the controller reads the 4-wide one-hot input plus 2 read words of 3.
        Assert.Equal([14, 1], adding.Parameters.Single(p => p.Key == "dnc/output_linear/w").Value.ShapeArray());
        Assert.Equal(4 + 2 * 3 + 8, adding.Parameters.Single(p => p.Key == "dnc/lstm/w_gates").Value.Dim(0));
        var copy = new Trainer(Options("copy", "--num-training-iterations", "1", "--checkpoint-dir", ""));
        copy.Run();
        Assert.Equal([14, 3], copy.Parameters.Single(p => p.Key == "dnc/output_linear/w").Value.ShapeArray());
    }

    [Fact]
    public void Resuming_with_another_task_is_refused_naming_the_setting()
    {
        string dir = Path.Combine(root, "switch");
        var (code, _, _) = RunCli([.. TinyModel, "--task", "argmax", "--num-training-iterations", "1", "--checkpoint-dir", dir]);
        Assert.Equal(0, code);
        var (code2, _, err) = RunCli([.. TinyModel, "--task", "adding", "--num-training-iterations", "2", "--checkpoint-dir", dir]);
        Assert.Equal(2, code2);
        Assert.Contains("another configuration (task: checkpoint \"argmax\", this run \"adding\")", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_checkpoint_from_before_model_and_task_existed_counts_as_dnc_on_repeat_copy()
    {
        string current = TrainOptions.Parse([]).ConfigurationJson();
        string legacy = current.Replace("\"model\":\"dnc\",\"task\":\"repeat-copy\",", "", StringComparison.Ordinal);
        Assert.NotEqual(current, legacy);
        var directory = new CheckpointDirectory(root, configurationDefaults: TrainOptions.LegacyConfigurationDefaults());
        Assert.Null(directory.Differences(legacy, current));
        Assert.NotNull(directory.Differences(legacy, TrainOptions.Parse(["--task", "copy"]).ConfigurationJson()));
        Assert.NotNull(directory.Differences(legacy, TrainOptions.Parse(["--seed", "2"]).ConfigurationJson()));
    }

    [Theory]
    [InlineData("copy", "Bit errors per sequence", "Model Output:\n+")]
    [InlineData("adding", "Absolute error", "Model Output: ")]
    [InlineData("argmax", "Accuracy", "Model Output: ")]
    public void Reports_name_the_tasks_error_measure_and_show_a_sample(string task, string errorName, string sample)
    {
        var (code, output, err) = RunCli([.. TinyModel, .. TaskFlags(task), "--num-training-iterations", "2", "--report-interval", "2",
            "--checkpoint-dir", ""]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains($"1: Avg training loss ", output);
        Assert.Contains($". {errorName} ", output);
        Assert.Contains(sample, output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Viz_for_argmax_draws_the_dnc_panels_and_the_episode()
    {
        string page = Path.Combine(root, "argmax.html");
        var (code, output, err) = RunCli([.. TinyModel, .. TaskFlags("argmax"), "--num-training-iterations", "1", "--checkpoint-dir", "",
            "--viz", page]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains($"Wrote {page}.", output);
        string html = File.ReadAllText(page);
        Assert.Contains("<h1>DNC memory over one argmax episode (after 1 steps)</h1>", html);
        foreach (var title in new[] { "Write weights (head 0)", "Read weights (head 1)", "Usage", "Read modes (head 1)" })
            Assert.Contains($"<h3>{title}</h3>", html);
        // Input, target, prediction, mask; 1 write and 2 read heads; usage and 2 read modes; the link matrix; 1 to 3 memory snapshots.
        int snapshots = html.Split("<h3>Memory after step ").Length - 1;
        Assert.InRange(snapshots, 1, 3);
        Assert.Equal(11 + snapshots, html.Split("<svg ").Length - 1);
        Assert.Contains("Input: ", html);
        Assert.Contains("Target: ", html);
    }

    [Fact]
    public void Viz_for_copy_has_one_column_per_step()
    {
        string page = Path.Combine(root, "copy.html");
        var trainer = new Trainer(Options("copy", "--num-training-iterations", "0", "--checkpoint-dir", "", "--viz", page));
        trainer.Run();
        string html = File.ReadAllText(page);
        Assert.Contains("<h1>DNC memory over one copy episode (after 0 steps)</h1>", html);
        // The write-weights panel has N = 6 rows and one column per step of the batch's longest episode, 2L+1.
        var figure = System.Text.RegularExpressions.Regex.Match(html,
            "<figure data-rows=\"(\\d+)\" data-columns=\"(\\d+)\">\n<h3>Write weights \\(head 0\\)</h3>(.*?)</figure>",
            System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(figure.Success);
        int rows = int.Parse(figure.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int steps = int.Parse(figure.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(6, rows);
        Assert.True(steps % 2 == 1 && steps >= 3, $"{steps} steps");
        Assert.Equal(rows * steps, figure.Groups[3].Value.Split("<rect x=").Length - 1);
    }

    private static (int Code, string Output, string Error) RunCli(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error, interactive: false, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
