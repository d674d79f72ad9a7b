using DncTrain;
using Modules.Checkpoints;

namespace DncTrain.Tests;

/// <summary>A few steps of the NTM, SAM and SDNC through Dnc.Train: the same loop, checkpoints, resume and --viz as the DNC.</summary>
public sealed class ModelTrainingTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-models-" + Guid.NewGuid().ToString("N"));

    public ModelTrainingTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] Tiny =
    [
        "--hidden-size", "8", "--memory-size", "8", "--word-size", "3", "--num-read-heads", "2", "--batch-size", "3",
        "--report-interval", "1000", "--checkpoint-interval", "-1", "--seed", "4", "--learning-rate", "1e-3",
    ];

    private static string[] ModelFlags(string model) => model switch
    {
        "sam" => ["--model", "sam", "--sparse-reads", "2"],
        "sdnc" => ["--model", "sdnc", "--sparse-reads", "2", "--link-sparsity", "2"],
        _ => ["--model", model],
    };

    private static string[] TaskFlags(string task) => task switch
    {
        "copy" => ["--task", "copy", "--num-bits", "3", "--max-length", "4"],
        "adding" => ["--task", "adding", "--input-size", "4", "--max-length", "3"],
        "argmax" => ["--task", "argmax", "--input-size", "5"],
        _ => ["--task", "repeat-copy", "--num-bits", "2"],
    };

    private static TrainOptions Options(string model, string task, params string[] extra) =>
        TrainOptions.Parse([.. Tiny, .. ModelFlags(model), .. TaskFlags(task), .. extra]);

    public static TheoryData<string, string> ModelsAndTasks => new()
    {
        { "ntm", "copy" }, { "ntm", "adding" }, { "sam", "repeat-copy" }, { "sam", "adding" }, { "sdnc", "copy" }, { "sdnc", "argmax" },
    };

    [Theory]
    [MemberData(nameof(ModelsAndTasks))]
    public void Short_run_has_finite_losses_and_resumes_exactly(string model, string task)
    {
        var oneGo = new Trainer(Options(model, task, "--num-training-iterations", "4", "--checkpoint-dir", ""));
        var whole = oneGo.Run();
        Assert.All(whole.Losses, l => Assert.True(float.IsFinite(l) && l >= 0, $"loss {l}"));
        Assert.Equal(model, oneGo.Model.Name);
        Assert.All(oneGo.Parameters, p => Assert.StartsWith(model + "/", p.Key));

        string dir = Path.Combine(root, model + task);
        new Trainer(Options(model, task, "--num-training-iterations", "2", "--checkpoint-dir", dir)).Run();
        Assert.True(File.Exists(Path.Combine(dir, Checkpoint.FileName(2))));
        var second = new Trainer(Options(model, task, "--num-training-iterations", "4", "--checkpoint-dir", dir));
        var rest = second.Run();
        Assert.Equal(whole.Losses.Skip(2), rest.Losses);
        var expected = oneGo.Parameters.ToDictionary(p => p.Key, p => p.Value.ToArray());
        foreach (var (path, value) in second.Parameters) Assert.Equal(expected[path], value.ToArray());
    }

    [Theory]
    [InlineData("ntm", "copy")]
    [InlineData("sam", "adding")]
    [InlineData("sdnc", "repeat-copy")]
    public void Viz_draws_write_and_read_weights_of_every_core(string model, string task)
    {
        string page = Path.Combine(root, model + ".html");
        var (code, _, err) = RunCli([.. Tiny, .. ModelFlags(model), .. TaskFlags(task), "--num-training-iterations", "1",
            "--checkpoint-dir", "", "--viz", page]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        string html = File.ReadAllText(page);
        Assert.Contains($"<h1>{model.ToUpperInvariant()} memory over one {task} episode (after 1 steps)</h1>", html);
        foreach (var title in new[] { "Write weights (head 0)", "Read weights (head 0)", "Read weights (head 1)" })
            Assert.Contains($"<h3>{title}</h3>", html);
        Assert.DoesNotContain("Read modes", html);   // a DNC-only panel
    }

    [Fact]
    public void Ntm_takes_a_feed_forward_controller()
    {
        var lstm = new Trainer(Options("ntm", "copy", "--num-training-iterations", "1", "--checkpoint-dir", ""));
        lstm.Run();
        var feedForward = new Trainer(Options("ntm", "copy", "--controller", "feedforward", "--num-training-iterations", "1", "--checkpoint-dir", ""));
        var result = feedForward.Run();
        Assert.True(float.IsFinite(result.Losses[0]));
        Assert.Contains(lstm.Parameters, p => p.Key.StartsWith("ntm/lstm/", StringComparison.Ordinal));
        Assert.DoesNotContain(feedForward.Parameters, p => p.Key.StartsWith("ntm/lstm/", StringComparison.Ordinal));
    }

    [Fact]
    public void Resuming_a_dnc_checkpoint_as_another_model_is_refused_naming_the_setting()
    {
        string dir = Path.Combine(root, "switch");
        var (code, _, _) = RunCli([.. Tiny, .. TaskFlags("copy"), "--num-training-iterations", "1", "--checkpoint-dir", dir]);
        Assert.Equal(0, code);
        var (code2, _, err) = RunCli([.. Tiny, "--model", "ntm", .. TaskFlags("copy"), "--num-training-iterations", "2", "--checkpoint-dir", dir]);
        Assert.Equal(2, code2);
        Assert.Contains("another configuration (model: checkpoint \"dnc\", this run \"ntm\"; controller: checkpoint unset, this run \"lstm\")", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Settings_a_core_rejects_are_a_one_line_usage_error()
    {
        var (code, _, err) = RunCli([.. Tiny, "--model", "sam", "--sparse-reads", "9", "--num-training-iterations", "1", "--checkpoint-dir", ""]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --model sam: ", err);
        // In the command line's words, not the options' type and property names.
        Assert.Contains("--sparse-reads: must be in [1, --memory-size = ", err);
        Assert.DoesNotContain("SparseReads", err);
        Assert.DoesNotContain("SamOptions", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    private static (int Code, string Output, string Error) RunCli(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error, interactive: false, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
