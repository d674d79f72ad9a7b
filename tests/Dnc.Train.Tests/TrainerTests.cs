using DncTrain;
using Modules.Tensors;

namespace DncTrain.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-tests-" + Guid.NewGuid().ToString("N"));

    public TrainerTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] Small =
    [
        "--hidden-size", "16", "--memory-size", "8", "--word-size", "4", "--num-read-heads", "2", "--num-bits", "2",
        "--batch-size", "4", "--max-length", "2", "--report-interval", "1000", "--checkpoint-interval", "-1", "--seed", "5",
    ];

    private static TrainOptions SmallOptions(params string[] extra) => TrainOptions.Parse([.. Small, .. extra]);

    private static Dictionary<string, float[]> Snapshot(Trainer trainer) =>
        trainer.Parameters.ToDictionary(p => p.Key, p => p.Value.ToArray());

    [Fact]
    public void Resuming_from_a_checkpoint_gives_bit_identical_parameters()
    {
        var oneGo = new Trainer(SmallOptions("--num-training-iterations", "12", "--checkpoint-dir", ""));
        oneGo.Run();

        string dir = Path.Combine(root, "resume");
        var first = new Trainer(SmallOptions("--num-training-iterations", "6", "--checkpoint-dir", dir));
        Assert.Equal(6, first.Run().Steps);
        Assert.True(File.Exists(Path.Combine(dir, Modules.Checkpoints.Checkpoint.FileName(6))));
        var second = new Trainer(SmallOptions("--num-training-iterations", "12", "--checkpoint-dir", dir));
        var result = second.Run();
        Assert.Equal(12, result.Steps);
        Assert.Equal(6, result.Losses.Count);

        var expected = Snapshot(oneGo);
        var actual = Snapshot(second);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (path, values) in expected) Assert.Equal(values, actual[path]);
        // And the run really trained: parameters moved away from a fresh initialisation.
        var fresh = new Trainer(SmallOptions("--num-training-iterations", "1", "--checkpoint-dir", ""));
        fresh.Run();
        Assert.NotEqual(expected.First().Value, Snapshot(fresh).First().Value);
    }

    [Fact]
    public void Checkpoint_from_another_configuration_is_refused_with_exit_code_2()
    {
        string dir = Path.Combine(root, "other");
        var (code, _, _) = RunCli([.. Small, "--num-training-iterations", "1", "--checkpoint-dir", dir]);
        Assert.Equal(0, code);
        var (code2, _, err) = RunCli([.. Small, "--num-training-iterations", "2", "--memory-size", "6", "--checkpoint-dir", dir]);
        Assert.Equal(2, code2);
        Assert.StartsWith("error: checkpoint ", err);
        Assert.Contains("another configuration", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Corrupted_checkpoint_is_refused_with_exit_code_2()
    {
        string dir = Path.Combine(root, "corrupt");
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, Modules.Checkpoints.Checkpoint.FileName(3));
        File.WriteAllBytes(file, [1, 2, 3, 4, 5]);
        var (code, _, err) = RunCli([.. Small, "--num-training-iterations", "4", "--checkpoint-dir", dir]);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: checkpoint {file}: ", err);
        Assert.Contains("5 bytes", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Checkpoint_dir_that_is_a_file_or_cannot_be_created_gives_exit_code_2()
    {
        string file = Path.Combine(root, "plain.txt");
        File.WriteAllText(file, "x");
        var (code, _, err) = RunCli([.. Small, "--checkpoint-dir", file]);
        Assert.Equal(2, code);
        Assert.Equal($"error: --checkpoint-dir {file} is a file, not a directory", err.TrimEnd());

        var (code2, _, err2) = RunCli([.. Small, "--checkpoint-dir", Path.Combine(file, "sub")]);
        Assert.Equal(2, code2);
        Assert.StartsWith($"error: --checkpoint-dir {Path.Combine(file, "sub")} is not writable", err2);
    }

    [Fact]
    public void Bad_flag_gives_exit_code_2_and_one_line()
    {
        var (code, output, err) = RunCli(["--num-bits", "x"]);
        Assert.Equal(2, code);
        Assert.Equal("error: --num-bits needs an integer, got 'x'", err.TrimEnd());
        Assert.Equal("", output);
    }

    [Fact]
    public void Run_prints_reports_with_loss_bit_errors_and_a_readable_sample()
    {
        var (code, output, err) = RunCli([.. Small, "--num-training-iterations", "4", "--report-interval", "2", "--checkpoint-dir", ""]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("1: Avg training loss ", output);
        Assert.Contains("3: Avg training loss ", output);
        Assert.Contains("Bit errors per sequence ", output);
        Assert.Contains("Model Output:", output);
        Assert.DoesNotContain("\r", output);
    }

    [Fact]
    public void Cancellation_saves_a_checkpoint_and_returns_interrupted()
    {
        string dir = Path.Combine(root, "cancel");
        using var cancel = new CancellationTokenSource();
        var trainer = new Trainer(SmallOptions("--num-training-iterations", "50", "--checkpoint-dir", dir));
        trainer.Steps.StepCompleted += step => { if (step.Step == 3) cancel.Cancel(); };
        var result = trainer.Run(cancel.Token);
        Assert.True(result.Interrupted);
        Assert.Equal(3, result.Steps);
        Assert.True(File.Exists(Path.Combine(dir, Modules.Checkpoints.Checkpoint.FileName(3))));
    }

    [Fact]
    public void Viz_writes_a_page_with_heatmaps()
    {
        string page = Path.Combine(root, "viz", "memory.html");
        var (code, _, err) = RunCli([.. Small, "--num-training-iterations", "1", "--checkpoint-dir", "", "--viz", page]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        string html = File.ReadAllText(page);
        foreach (var title in new[] { "Write weights (head 0)", "Read weights (head 1)", "Usage", "Read modes (head 0)" })
            Assert.Contains($"<h3>{title}</h3>", html);
        // Input, target, prediction, mask; 1 write head, 2 read heads, usage, 2 read-mode panels; the link matrix; 1 to 3 memory snapshots.
        int snapshots = html.Split("<h3>Memory after step ").Length - 1;
        Assert.InRange(snapshots, 1, 3);
        Assert.Equal(11 + snapshots, html.Split("<svg ").Length - 1);
    }

    private static (int Code, string Output, string Error) RunCli(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error, interactive: false, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}

public sealed class CliTests
{
    [Fact]
    public void Help_exits_zero_and_lists_flags()
    {
        var output = new StringWriter();
        int code = Cli.Run(["--help"], output, TextWriter.Null, interactive: false, CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains("--num-training-iterations", output.ToString());
    }

    [Fact]
    public void Checkpoints_are_written_every_interval_and_once_at_the_end()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dnc-train-interval-" + Guid.NewGuid().ToString("N"));
        try
        {
            var output = new StringWriter();
            int code = Cli.Run(["--hidden-size", "8", "--memory-size", "4", "--word-size", "2", "--num-read-heads", "1",
                "--num-bits", "1", "--batch-size", "2", "--num-training-iterations", "5", "--checkpoint-interval", "2",
                "--report-interval", "100", "--checkpoint-dir", dir], output, TextWriter.Null, interactive: false, CancellationToken.None);
            Assert.Equal(0, code);
            Assert.Equal<string>(["ckpt-000002.safetensors", "ckpt-000004.safetensors", "ckpt-000005.safetensors"],
                Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order().ToArray());
            Assert.Equal(3, output.ToString().Split("Saved checkpoint").Length - 1);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
