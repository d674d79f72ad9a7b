using System.Text.Json;
using DncTrain;

namespace DncTrain.Tests;

/// <summary>--log-file, --plot, the plot mode, --quiet and time-paced reports.</summary>
public sealed class RunLogTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-log-tests-" + Guid.NewGuid().ToString("N"));

    public RunLogTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly string[] Small =
    [
        "--hidden-size", "8", "--memory-size", "6", "--word-size", "3", "--num-read-heads", "1", "--num-bits", "2",
        "--batch-size", "2", "--max-length", "2", "--checkpoint-dir", "", "--seed", "2",
    ];

    private static (int Code, string Output, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error, interactive: false, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Record_round_trips_and_leaves_out_a_missing_lesson()
    {
        var record = new LogRecord(300, 9.5, "Bit errors per sequence", 4.25, 212.5, 1.5);
        string line = RunLog.Format(record);
        Assert.Equal("{\"step\":300,\"loss\":9.5,\"metric\":\"Bit errors per sequence\",\"value\":4.25,\"steps_per_s\":212.5,\"seconds\":1.5}", line);
        string path = Path.Combine(root, "r.jsonl");
        File.WriteAllLines(path, [line, "", RunLog.Format(record with { Step = 400, Lesson = 2 })]);
        Assert.Equal([record, record with { Step = 400, Lesson = 2 }], RunLog.Read(path));
    }

    [Fact]
    public void Unreadable_log_line_is_one_error_naming_file_and_line()
    {
        string path = Path.Combine(root, "bad.jsonl");
        File.WriteAllLines(path, [RunLog.Format(new LogRecord(1, 1, "m", 0, 1, 1)), "{\"step\": \"x\"}"]);
        var (code, _, err) = RunCli("plot", path, "--out", Path.Combine(root, "c.png"));
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {path}:2: not a log record", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Log_file_gets_one_object_per_report_and_plot_draws_it()
    {
        string log = Path.Combine(root, "run.jsonl"), png = Path.Combine(root, "curves.png");
        var (code, output, err) = RunCli([.. Small, "--num-training-iterations", "7", "--report-interval", "3", "--report-seconds", "0",
            "--log-file", log, "--plot", png]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains($"Wrote {png}.", output);
        var records = RunLog.Read(log);
        // Every third step, and the last step, which always reports.
        Assert.Equal([3, 6, 7], records.Select(r => r.Step));
        Assert.All(records, r => Assert.Equal("Bit errors per sequence", r.Metric));
        Assert.All(records, r => Assert.True(r.Loss > 0 && double.IsFinite(r.Loss) && r.StepsPerSecond > 0));
        Assert.All(records, r => Assert.Null(r.Lesson));
        foreach (string line in File.ReadAllLines(log))
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(["step", "loss", "metric", "value", "steps_per_s", "seconds"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        }
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);

        // The plot mode draws several logs side by side, as SVG too.
        string other = Path.Combine(root, "other.jsonl"), svg = Path.Combine(root, "both.svg");
        Assert.Equal(0, RunCli([.. Small, "--seed", "3", "--num-training-iterations", "4", "--report-interval", "2", "--report-seconds", "0",
            "--log-file", other, "--quiet"]).Code);
        var (plotCode, plotOut, plotErr) = RunCli("plot", log, other, "--out", svg);
        Assert.Equal((0, ""), (plotCode, plotErr));
        Assert.Equal($"Wrote {svg}.", plotOut.TrimEnd());
        string text = File.ReadAllText(svg);
        Assert.Contains("<svg", text);
        Assert.Contains("run: loss", text);
        Assert.Contains("other: loss", text);
    }

    [Fact]
    public void Log_file_is_appended_across_runs()
    {
        string log = Path.Combine(root, "a.jsonl"), dir = Path.Combine(root, "ck");
        string[] flags = [.. Small[..^4], "--checkpoint-dir", dir, "--report-interval", "2", "--report-seconds", "0", "--log-file", log, "--quiet"];
        Assert.Equal(0, RunCli([.. flags, "--num-training-iterations", "2"]).Code);
        Assert.Equal(0, RunCli([.. flags, "--num-training-iterations", "4"]).Code);
        Assert.Equal([2, 4], RunLog.Read(log).Select(r => r.Step));
    }

    [Fact]
    public void Quiet_prints_nothing_on_success()
    {
        var (code, output, err) = RunCli([.. Small, "--num-training-iterations", "3", "--report-interval", "1", "--quiet"]);
        Assert.Equal((0, "", ""), (code, output, err));
    }

    [Fact]
    public void Plot_mode_errors_are_one_line()
    {
        Assert.Equal("error: plot: no log files given (usage: plot run.jsonl [more.jsonl ...] --out curves.png)", RunCli("plot", "--out", "x.png").Error.TrimEnd());
        Assert.Equal("error: plot: --out is missing (the image path, .png or .svg)", RunCli("plot", "a.jsonl").Error.TrimEnd());
        Assert.Equal("error: --out c.jpg: the image must end in .png or .svg, got '.jpg'", RunCli("plot", "a.jsonl", "--out", "c.jpg").Error.TrimEnd());
        Assert.Equal("error: --plot c: the image must end in .png or .svg, got 'no extension'", RunCli([.. Small, "--plot", "c"]).Error.TrimEnd());
        Assert.Equal("error: --quiet takes no value, got 'yes'", RunCli([.. Small, "--quiet=yes"]).Error.TrimEnd());
    }

    [Fact]
    public void Reports_are_held_back_until_the_time_has_passed_except_the_first_and_last()
    {
        var reporter = new Reporter(TextWriter.Null, interactive: false, totalSteps: 1000, minSecondsBetweenReports: 3600);
        reporter.Start(0);
        Assert.True(reporter.ReportDue(100));      // the first report is never held back
        Assert.True(reporter.TakeReportRate(100) > 0);
        Assert.False(reporter.ReportDue(200));     // an hour has not passed
        Assert.True(reporter.ReportDue(1000));     // the last step always reports
        var every = new Reporter(TextWriter.Null, interactive: false, totalSteps: 1000, minSecondsBetweenReports: 0);
        every.Start(0);
        every.TakeReportRate(100);
        Assert.True(every.ReportDue(200));
    }

    [Fact]
    public void Progress_rate_is_withheld_for_the_first_second_rather_than_guessed()
    {
        var reporter = new Reporter(new StringWriter(), interactive: true, totalSteps: 200);
        reporter.Start(0);
        Assert.EndsWith("loss 2.5000 - steps/s", reporter.ProgressLine(2, 2.5f));
        Assert.True(reporter.ProgressLine(200, 1f).Length <= 100);
    }

    [Fact]
    public void Help_describes_reports_without_a_validation_loss()
    {
        string help = TrainOptions.HelpText();
        Assert.DoesNotContain("valid loss", help);
        foreach (var flag in new[] { "--report-seconds ", "--quiet ", "--log-file ", "--plot " }) Assert.Contains(flag, help);
    }
}
