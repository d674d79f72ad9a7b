using DncTrain;
using Modules.Dnc.Tasks.Babi;
using Modules.Dnc.Tasks.Graph;

namespace DncTrain.Tests;

/// <summary>
/// The DNC paper's tasks from the command line, in process through <see cref="Cli.Run"/>: a few steps of each, resuming
/// mid-curriculum, the bAbI data flags and <c>babi-generate</c>, the memoryless <c>lstm</c> baseline, and one-line errors.
/// </summary>
public sealed class PaperTaskCommandLineTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-paper-" + Guid.NewGuid().ToString("N"));

    public PaperTaskCommandLineTests()
    {
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "plain.txt"), "not a directory");
        // Line 2 skips a line number; in the other file, line 3's answer is two words without a comma.
        WriteBabi("bad-number", "qa1_bad_train.txt", "1 Mary went to the kitchen.\n3 Where is Mary?\tkitchen\t1\n");
        WriteBabi("bad-answer", "qa2_bad_train.txt", "1 Mary went to the kitchen.\n2 John went to the office.\n3 Where is Mary?\tthe kitchen\t1\n");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void WriteBabi(string dir, string file, string text)
    {
        Directory.CreateDirectory(Path.Combine(root, dir));
        File.WriteAllText(Path.Combine(root, dir, file), text);
    }

    private static readonly string[] Tiny =
    [
        "--hidden-size", "8", "--memory-size", "6", "--word-size", "3", "--num-read-heads", "2", "--batch-size", "2",
        "--report-interval", "1000", "--checkpoint-interval", "-1", "--seed", "5", "--learning-rate", "1e-3",
    ];

    private string GeneratedBabi()
    {
        string dir = Path.Combine(root, "generated");
        var (code, output, error) = RunCli([Cli.BabiGenerateMode, "--out", dir, "--stories", "4", "--seed", "2"]);
        Assert.True(code == Cli.Success, error);
        Assert.Equal($"Wrote 9 files to {dir}.\n", output.ReplaceLineEndings("\n"));
        return dir;
    }

    public static TheoryData<string> GraphTasks => new() { "graph-traversal", "shortest-path", "inference" };

    [Theory]
    [MemberData(nameof(GraphTasks))]
    public void A_graph_task_trains_and_reports_each_evaluation_with_its_lesson(string task)
    {
        var (code, output, error) = RunCli([.. Tiny, "--task", task, "--num-training-iterations", "2", "--evaluation-interval", "1",
            "--evaluation-size", "3", "--checkpoint-dir", Path.Combine(root, task)]);
        Assert.True(code == Cli.Success, error);
        // The untrained model answers nothing fully right, so it stays in the first lesson.
        var lesson0 = Trainer.Describe(Task(task), new(1, 0, 0f, false, 4)); // 3 questions rounded up to batches of 2
        Assert.Contains(lesson0, output);
        Assert.Contains(lesson0.Replace("step 1:", "step 2:", StringComparison.Ordinal), output);
        Assert.True(File.Exists(Path.Combine(root, task, "ckpt-000002.safetensors")));
    }

    private static GraphTask Task(string name) => name switch
    {
        "shortest-path" => new ShortestPathTask(),
        "inference" => new InferenceTask(),
        _ => new TraversalTask(),
    };

    [Fact]
    public void An_evaluation_line_names_the_lesson_its_accuracy_the_threshold_and_the_promotion()
    {
        var task = new TraversalTask(passThreshold: 0.75f);
        task.SetLesson(1);
        Assert.Equal("step 300: lesson 0: 3–5 nodes, degree 1–2, path 1: 81.3 % fully correct of 256 (pass 75 %); now lesson 1 of 8",
            Trainer.Describe(task, new(300, 0, 0.8125f, true, 256)));
    }

    [Fact]
    public void Resuming_mid_curriculum_continues_in_the_saved_lesson()
    {
        string dir = Path.Combine(root, "resume");
        string[] flags = [.. Tiny, "--task", "graph-traversal", "--evaluation-interval", "1", "--evaluation-size", "2", "--checkpoint-dir", dir];
        var first = new Trainer(TrainOptions.Parse([.. flags, "--num-training-iterations", "2"]));
        first.Run();
        ((GraphTask)first.Task).SetLesson(2);
        first.SaveCheckpoint();

        var (code, output, error) = RunCli([.. flags, "--num-training-iterations", "4"]);
        Assert.True(code == Cli.Success, error);
        Assert.Contains("at step 2.", output);
        var task = new TraversalTask();
        Assert.Contains(Trainer.Describe(task, new(3, 2, 0f, false, 2)), output);
        Assert.Contains(Trainer.Describe(task, new(4, 2, 0f, false, 2)), output);
        Assert.DoesNotContain("lesson 0:", output);

        // The threshold decides promotions, so a run with another one does not continue this curriculum.
        var (otherCode, _, otherError) = RunCli([.. flags, "--num-training-iterations", "6", "--pass-threshold", "0.5"]);
        Assert.Equal(Cli.UsageError, otherCode);
        Assert.Contains("another configuration", otherError);
    }

    [Fact]
    public void Babi_trains_on_generated_data_and_reports_the_error_table_of_the_test_stories()
    {
        string data = GeneratedBabi();
        var loaded = BabiDataset.Load(data);
        Assert.Equal([1, 2, 6], loaded.Tasks);
        Assert.Equal(3 * 4, loaded.Train.Count);
        Assert.Equal(3 * 1, loaded.Validation.Count); // a tenth of 4, at least one
        Assert.Equal(3 * 4, loaded.Test.Count);

        var (code, output, error) = RunCli([.. Tiny, "--task", "babi", "--data-dir", data, "--num-training-iterations", "2",
            "--checkpoint-dir", Path.Combine(root, "babi")]);
        Assert.True(code == Cli.Success, error);
        Assert.Contains("bAbI error on the 12 test stories after 2 steps:", output);
        // Every generated story asks five questions: 4 stories × 5 per task.
        foreach (int t in new[] { 1, 2, 6 }) Assert.Matches($@"task +{t} +error +[0-9.]+ % +\(\d+/20\)", output);
        Assert.Contains("failed tasks (error > 5 %):", output);
    }

    [Fact]
    public void Babi_generate_draws_the_same_files_from_the_same_seed()
    {
        string a = Path.Combine(root, "a"), b = Path.Combine(root, "b"), c = Path.Combine(root, "c");
        Assert.Equal(Cli.Success, RunCli([Cli.BabiGenerateMode, "--out", a, "--stories", "3", "--seed", "7"]).Code);
        Assert.Equal(Cli.Success, RunCli([Cli.BabiGenerateMode, "--out", b, "--stories", "3", "--seed", "7"]).Code);
        Assert.Equal(Cli.Success, RunCli([Cli.BabiGenerateMode, "--out", c, "--stories", "3", "--seed", "8"]).Code);
        var names = Directory.GetFiles(a).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(9, names.Length);
        Assert.All(names, n => Assert.Equal(File.ReadAllText(Path.Combine(a, n!)), File.ReadAllText(Path.Combine(b, n!))));
        Assert.Contains(names, n => File.ReadAllText(Path.Combine(a, n!)) != File.ReadAllText(Path.Combine(c, n!)));
    }

    [Fact]
    public void The_lstm_baseline_has_only_an_lstm_and_output_linear_of_the_hidden_size()
    {
        var trainer = new Trainer(TrainOptions.Parse(["--model", "lstm", "--hidden-size", "8", "--batch-size", "2", "--task", "graph-traversal",
            "--num-training-iterations", "1", "--checkpoint-dir", "", "--report-interval", "1000"]));
        var run = trainer.Run();
        Assert.True(float.IsFinite(run.Losses[0]));
        var shapes = trainer.Parameters.ToDictionary(p => p.Key, p => p.Value.Shape.ToArray());
        // 92 inputs + 8 units to 4 gates; 8 units to the 90 outputs (9 ten-way softmaxes).
        Assert.Equal(4, shapes.Count);
        Assert.Equal([92 + 8, 32], shapes.Single(p => p.Key.EndsWith("lstm/w_gates", StringComparison.Ordinal)).Value);
        Assert.Equal([32], shapes.Single(p => p.Key.EndsWith("lstm/b_gates", StringComparison.Ordinal)).Value);
        Assert.Equal([8, 90], shapes.Single(p => p.Key.EndsWith("output_linear/w", StringComparison.Ordinal)).Value);
        Assert.Equal([90], shapes.Single(p => p.Key.EndsWith("output_linear/b", StringComparison.Ordinal)).Value);
    }

    // Each case: the arguments (ROOT is the test's directory) and a part of the expected message.
    public static TheoryData<string, string> BadLines => new()
    {
        { "--task babi", "--task babi needs --data-dir DIR" },
        { "--task babi --data-dir=", "--data-dir needs a directory path" },
        { "--task babi --data-dir ROOT/missing", "--data-dir ROOT/missing: bAbI data directory 'ROOT/missing' does not exist" },
        { "--task babi --data-dir ROOT/empty", "--data-dir ROOT/empty: bAbI data directory 'ROOT/empty' holds no qaN_*_train.txt files" },
        { "--task babi --data-dir ROOT/bad-number", "qa1_bad_train.txt:2: expected line number 2 (the story's next) or 1 (a new story), got 3" },
        { "--task babi --data-dir ROOT/bad-answer", "qa2_bad_train.txt:3: the answer must be one or more comma-separated words, got 'the kitchen'" },
        { "--task graph-traversal --pass-threshold 0", "--pass-threshold must be in (0, 1], got 0" },
        { "--task inference --pass-threshold 1.5", "--pass-threshold must be in (0, 1], got 1.5" },
        { "--task shortest-path --pass-threshold high", "--pass-threshold needs a number, got 'high'" },
        { "--task graph-traversal --evaluation-interval 0", "--evaluation-interval must be positive, got 0" },
        { "--task graph-traversal --evaluation-size 0", "--evaluation-size must be positive, got 0" },
        { "--task graph-traversal --evaluation-size many", "--evaluation-size needs an integer, got 'many'" },
        { "--task babi --data-dir ROOT/empty --evaluation-size 5", "--evaluation-size does not apply to --task babi" },
        { "--task shortest-path --planning-steps -1", "--planning-steps must be 0 or more, got -1" },
        { "--task graph-traversal --planning-steps 3", "--planning-steps does not apply to --task graph-traversal (only to shortest-path, inference)" },
        { "--task copy --pass-threshold 0.5", "--pass-threshold does not apply to --task copy (only to graph-traversal, shortest-path, inference)" },
        { "--task babi --data-dir ROOT/empty --evaluation-interval 5", "--evaluation-interval does not apply to --task babi" },
        { "--task adding --data-dir ROOT/empty", "--data-dir does not apply to --task adding (only to babi)" },
        { "--task graph-traversal --max-length 4", "--max-length does not apply to --task graph-traversal" },
        { "--task inference --min-length 2", "--min-length does not apply to --task inference" },
        { "--task graph-traversal --num-bits 4", "--num-bits does not apply to --task graph-traversal" },
        { "--task shortest-path --num-training-iterations 1 --evaluation-interval 1 --hidden-size 0", "--hidden-size must be positive, got 0" },
        { "--model lstm --memory-size 8", "--memory-size does not apply to --model lstm (only to dnc, ntm, sam, sdnc)" },
        { "--model lstm --num-read-heads 2", "--num-read-heads does not apply to --model lstm" },
        { "--model lstm --viz ROOT/page.html", "--viz does not apply to --model lstm" },
        { "babi-generate", "babi-generate needs --out DIR" },
        { "babi-generate --out", "babi-generate: --out needs a value" },
        { "babi-generate --out ROOT/g --stories 0", "babi-generate: --stories needs a positive integer, got '0'" },
        { "babi-generate --out ROOT/g --seed -4", "babi-generate: --seed needs a non-negative integer, got '-4'" },
        { "babi-generate --out ROOT/g --tasks 1", "babi-generate: unknown argument '--tasks'" },
        { "babi-generate --out ROOT/plain.txt", "babi-generate --out ROOT/plain.txt: cannot write" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_bad_value_gives_exit_code_2_and_one_error_line(string line, string expected)
    {
        var args = line.Replace("ROOT", root, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // Training lines stay short and out of the working directory; the mode must come first.
        string[] prefix = args[0] == Cli.BabiGenerateMode ? [] : ["--checkpoint-dir", Path.Combine(root, "ck"), "--num-training-iterations", "1"];
        var (code, output, error) = RunCli([.. prefix, .. args]);
        Assert.Equal(Cli.UsageError, code);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", error);
        Assert.Contains(expected.Replace("ROOT", root, StringComparison.Ordinal), error);
        Assert.Equal("", output);
    }

    private static (int Code, string Output, string Error) RunCli(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error, interactive: false, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
