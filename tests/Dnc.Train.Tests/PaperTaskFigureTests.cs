using System.Globalization;
using System.Text.RegularExpressions;
using DncTrain;
using Modules.Dnc.Tasks.Graph;
using ScottPlot;
using ScottPlot.Plottables;

namespace DncTrain.Tests;

/// <summary>
/// The graph tasks' figures and test-graph evaluation from the command line: lesson evaluations in the log and the
/// learning curves, the memory page's episode as labels, and the per-length table of <c>evaluate</c>.
/// </summary>
public sealed class PaperTaskFigureTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-figures-" + Guid.NewGuid().ToString("N"));

    public PaperTaskFigureTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] Tiny =
    [
        "--hidden-size", "8", "--memory-size", "12", "--word-size", "3", "--num-read-heads", "2", "--batch-size", "2",
        "--report-interval", "1", "--report-seconds", "0", "--seed", "5", "--learning-rate", "1e-3",
    ];

    private static (int Code, string Output, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error, interactive: false, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static RunHistory History(params (int Step, int Lesson, double Accuracy, bool Promoted)[] evaluations) => new(
        [new LogRecord(100, 9, "fully correct answers", 0.3, 50, 2, 0), new LogRecord(200, 4, "fully correct answers", 0.6, 50, 4, 1),
         new LogRecord(300, 2, "fully correct answers", 0.8, 50, 6, 2)],
        evaluations.Select(e => new EvaluationRecord(e.Step, e.Lesson, e.Accuracy, 256, e.Promoted)).ToArray());

    [Fact]
    public void Learning_curves_per_lesson_draw_the_held_out_accuracy_and_mark_each_lesson_change()
    {
        var plot = CurvePlot.Build([("dnc", History((100, 0, 0.5, false), (150, 0, 0.92, true), (250, 1, 0.95, true), (300, 2, 0.4, false)))])!;
        var scatters = plot.GetPlottables<Scatter>().ToList();
        Assert.Equal(["loss (left)", "fully correct answers (right)", "held-out lesson accuracy (256 questions, right)"],
            scatters.Select(s => s.LegendText));
        var heldOut = scatters[2].Data.GetScatterPoints();
        Assert.Equal([(100.0, 0.5), (150.0, 0.92), (250.0, 0.95), (300.0, 0.4)], heldOut.Select(p => (p.X, p.Y)));
        var lines = plot.GetPlottables<VerticalLine>().ToList();
        Assert.Equal([(150.0, "lesson 1"), (250.0, "lesson 2")], lines.Select(l => (l.X, l.LabelText)));
        Assert.Equal("Learning curves per lesson (lines: lesson changes)", plot.Axes.Title.Label.Text);
        // A run without a curriculum keeps its two curves and title.
        var plain = CurvePlot.Build([("dnc", new RunHistory([new LogRecord(1, 1, "m", 0, 1, 1)], []))])!;
        Assert.Equal(2, plain.GetPlottables<Scatter>().Count());
        Assert.Empty(plain.GetPlottables<VerticalLine>());
    }

    [Fact]
    public void A_graph_run_logs_every_lesson_evaluation_and_plots_them_as_png()
    {
        string log = Path.Combine(root, "run.jsonl"), png = Path.Combine(root, "curves.png");
        var (code, output, error) = RunCli([.. Tiny, "--task", "graph-traversal", "--num-training-iterations", "4", "--evaluation-interval", "2",
            "--evaluation-size", "3", "--checkpoint-dir", "", "--log-file", log, "--plot", png]);
        Assert.True(code == 0, error);
        Assert.Contains($"Wrote {png}.", output);
        var history = RunLog.ReadHistory(log);
        Assert.Equal([1, 2, 3, 4], history.Reports.Select(r => r.Step));
        // Evaluations at steps 2 and 4, on 3 questions rounded up to two batches of 2.
        Assert.Equal([(2, 0, 4), (4, 0, 4)], history.Evaluations.Select(e => (e.Step, e.Lesson, e.Episodes)));
        Assert.All(history.Evaluations, e => Assert.InRange(e.Accuracy, 0, 1));
        Assert.Contains("{\"step\":2,\"evaluated_lesson\":0,", File.ReadAllText(log));
        Assert.Equal(history.Reports, RunLog.Read(log));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
    }

    [Fact]
    public void The_memory_page_of_a_graph_episode_shows_its_triples_as_labels()
    {
        string page = Path.Combine(root, "graph.html");
        var (code, _, error) = RunCli([.. Tiny, "--task", "graph-traversal", "--num-training-iterations", "1", "--checkpoint-dir", "",
            "--quiet", "--viz", page]);
        Assert.True(code == 0, error);
        string html = File.ReadAllText(page);
        // The episode as text names the first description triple, e.g. "(042, 317, 999)".
        var first = Regex.Match(html, @"Graph \(\d+ triples\):\s+\((\d{3}), (\d{3}), (\d{3})\)");
        Assert.True(first.Success);
        var input = Figure(html, "Input triple (labels; blank parts empty)");
        Assert.Equal("3", input.Groups[1].Value);
        string[] rows = ["source", "edge", "destination"];
        for (int i = 0; i < 3; i++)
            Assert.Contains($"<title>t=0 {rows[i]}: {int.Parse(first.Groups[i + 1].Value, CultureInfo.InvariantCulture)}</title>", input.Value);
        Assert.Equal("2", Figure(html, "Phase flags").Groups[1].Value);
        foreach (var title in new[] { "Target triple (answer steps)", "Predicted triple (argmax of each digit)" })
            Assert.Equal("3", Figure(html, title).Groups[1].Value);
        Assert.Equal("1", Figure(html, "All nine digits right").Groups[1].Value);
        // No panel draws the 92 input or 90 output channels one by one.
        Assert.DoesNotContain(">ch 91<", html);
        Assert.DoesNotContain("<h3>Input</h3>", html);
    }

    private static Match Figure(string html, string title)
    {
        var m = Regex.Match(html, $"<figure data-rows=\"(\\d+)\" data-columns=\"\\d+\">\n<h3>{Regex.Escape(title)}</h3>.*?</figure>", RegexOptions.Singleline);
        Assert.True(m.Success, title);
        return m;
    }

    [Theory]
    [InlineData("graph-traversal", "transit-map", new[] { 1, 2, 3 })]
    [InlineData("shortest-path", "transit-map", new[] { 1, 2, 3 })]
    [InlineData("inference", "family-tree", new[] { 2, 3 })]
    public void Evaluate_reports_accuracy_per_question_length_on_the_built_in_graph(string task, string graph, int[] lengths)
    {
        string dir = Path.Combine(root, task);
        string[] planning = task == "graph-traversal" ? [] : ["--planning-steps", "2"];
        var (code, _, error) = RunCli([.. Tiny, "--task", task, .. planning, "--num-training-iterations", "2", "--checkpoint-dir", dir, "--quiet"]);
        Assert.True(code == 0, error);
        (code, var output, error) = RunCli(GraphEvaluation.Mode, "--checkpoint", dir, "--graph", graph, "--questions", "5", "--max-length", "3");
        Assert.True(code == 0, error);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.StartsWith($"{task} on the ", lines[0]);
        Assert.EndsWith("(step 2):", lines[0]);
        Assert.Equal(["length", "questions", "correct", "accuracy"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var rows = lines[2..].Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal([.. lengths.Select(l => l.ToString(CultureInfo.InvariantCulture)), "all"], rows.Select(r => r[0]));
        Assert.All(rows[..^1], r => Assert.Equal("5", r[1]));
        Assert.Equal((5 * lengths.Length).ToString(CultureInfo.InvariantCulture), rows[^1][1]);
        int correct = rows[..^1].Sum(r => int.Parse(r[2], CultureInfo.InvariantCulture));
        Assert.Equal(correct.ToString(CultureInfo.InvariantCulture), rows[^1][2]);
        Assert.All(rows[..^1], r => Assert.InRange(int.Parse(r[2], CultureInfo.InvariantCulture), 0, 5));
    }

    [Theory]
    [InlineData("--read-before-write")]
    [InlineData("--key-mask")]
    public void Evaluate_rebuilds_a_dnc_trained_with_a_switch(string flag)
    {
        // The configuration records a switch as true; evaluate must give it back as the bare flag.
        string dir = Path.Combine(root, flag.TrimStart('-'));
        var (code, _, error) = RunCli([.. Tiny, "--task", "graph-traversal", flag, "--num-training-iterations", "2", "--checkpoint-dir", dir, "--quiet"]);
        Assert.True(code == 0, error);
        (code, var output, error) = RunCli(GraphEvaluation.Mode, "--checkpoint", dir, "--questions", "2", "--max-length", "1");
        Assert.True(code == 0, error);
        Assert.StartsWith("graph-traversal on the transit map", output);
    }

    [Fact]
    public void Evaluate_counts_the_fully_correct_answers_of_the_model()
    {
        // A model that walks the described graph answers every traversal right; one that outputs zeros (label 000 for
        // every part of every triple, never a traversal step, whose two nodes differ) answers none.
        var rng = new Modules.Tensors.Generator(1);
        Assert.Equal([new GraphEvaluation.Row(1, 7, 7), new GraphEvaluation.Row(4, 7, 7)],
            GraphEvaluation.Evaluate(new Walker(), TaskKind.GraphTraversal, 3, [1, 4], 7, rng));
        Assert.Equal([new GraphEvaluation.Row(2, 5, 0)], GraphEvaluation.Evaluate(new Zeros(), TaskKind.GraphTraversal, 2, [2], 5, rng));
    }

    // Reads each entry's description and query back from the observations and answers the traversal by lookup.
    private sealed class Walker : Modules.Training.ISequenceModel
    {
        public Modules.Module Module => throw new NotSupportedException();

        public Modules.Tensors.Tensor Unroll(Modules.Tensors.Tensor observations)
        {
            int steps = observations.Dim(0), batch = observations.Dim(1), width = observations.Dim(2);
            var logits = new float[steps * batch * TripleEncoding.TripleSize];
            for (int b = 0; b < batch; b++)
            {
                var edges = new Dictionary<(int, int), int>();
                var query = new List<GraphTriple>();
                int node = -1, answered = 0;
                for (int t = 0; t < steps; t++)
                {
                    var o = observations.Values.Slice((t * batch + b) * width, width);
                    var triple = TripleEncoding.Read(o);
                    if (o[TripleEncoding.QueryFlag] != 0f)
                    {
                        query.Add(triple);
                        if (query.Count == 1) node = triple.Source;
                    }
                    else if (o[TripleEncoding.AnswerFlag] != 0f)
                    {
                        int edge = query[answered++].Edge, next = edges[(node, edge)];
                        TripleEncoding.Write(new GraphTriple(node, edge, next), logits.AsSpan((t * batch + b) * TripleEncoding.TripleSize, TripleEncoding.TripleSize));
                        node = next;
                    }
                    else if (triple.Source != TripleEncoding.Blank) edges[(triple.Source, triple.Edge)] = triple.Destination;
                }
            }
            return new Modules.Tensors.Tensor(logits, steps, batch, TripleEncoding.TripleSize);
        }
    }

    private sealed class Zeros : Modules.Training.ISequenceModel
    {
        public Modules.Module Module => throw new NotSupportedException();

        public Modules.Tensors.Tensor Unroll(Modules.Tensors.Tensor observations) =>
            Modules.Tensors.Tensor.Zeros(observations.Dim(0), observations.Dim(1), TripleEncoding.TripleSize);
    }

    public static TheoryData<string, string> BadEvaluations => new()
    {
        { "", "evaluate needs --checkpoint DIR|FILE" },
        { "--checkpoint ROOT/none", "evaluate: --checkpoint ROOT/none does not exist" },
        { "--checkpoint ROOT", "evaluate: --checkpoint ROOT holds no checkpoint" },
        { "--checkpoint ROOT --questions 0", "evaluate: --questions needs a positive integer, got '0'" },
        { "--checkpoint ROOT --colour red", "evaluate: unknown argument '--colour'" },
        { "--checkpoint", "evaluate: --checkpoint needs a value" },
    };

    [Theory]
    [MemberData(nameof(BadEvaluations))]
    public void Evaluate_errors_are_one_line(string line, string expected)
    {
        var args = line.Replace("ROOT", root, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (code, _, error) = RunCli([GraphEvaluation.Mode, .. args]);
        Assert.Equal(Cli.UsageError, code);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: " + expected.Replace("ROOT", root, StringComparison.Ordinal), error);
    }

    [Fact]
    public void Evaluate_refuses_a_graph_that_does_not_fit_the_task_and_a_task_without_graphs()
    {
        string graphDir = Path.Combine(root, "traversal"), copyDir = Path.Combine(root, "copy");
        Assert.Equal(0, RunCli([.. Tiny, "--task", "graph-traversal", "--num-training-iterations", "1", "--checkpoint-dir", graphDir, "--quiet"]).Code);
        Assert.Equal(0, RunCli([.. Tiny, "--task", "copy", "--num-training-iterations", "1", "--checkpoint-dir", copyDir, "--quiet"]).Code);
        Assert.Equal("error: evaluate: --graph family-tree does not fit --task graph-traversal (use --graph transit-map)",
            RunCli(GraphEvaluation.Mode, "--checkpoint", graphDir, "--graph", "family-tree").Error.TrimEnd());
        Assert.StartsWith($"error: evaluate --checkpoint {Path.Combine(copyDir, "ckpt-000001.safetensors")}: trained on --task copy, not a graph task",
            RunCli(GraphEvaluation.Mode, "--checkpoint", copyDir).Error);
    }
}
