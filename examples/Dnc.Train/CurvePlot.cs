using System.Globalization;
using ScottPlot;

namespace DncTrain;

/// <summary>
/// Learning curves as an image (ScottPlot): the loss on a log scale (left axis, solid) and the task's metric (right
/// axis, dashed) against the step, one colour per run; for a curriculum also the held-out lesson accuracy and the lesson changes. Used by <c>--plot</c> at the end of a run and by the <c>plot</c> mode over several logs.
/// </summary>
public static class CurvePlot
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 900;
    /// <summary>Image height in pixels.</summary>
    public const int Height = 700;

    /// <summary>Throws unless <paramref name="path"/> ends in <c>.png</c> or <c>.svg</c>.</summary>
    /// <param name="flag">The flag or argument named in the error.</param>
    /// <param name="path">The image path.</param>
    public static void CheckFormat(string flag, string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg"))
            throw new UsageException($"{flag} {path}: the image must end in .png or .svg, got '{(ext.Length == 0 ? "no extension" : ext)}'");
    }

    /// <summary>Draws the runs and writes the image (PNG or SVG by extension), creating the directory if needed.</summary>
    /// <param name="path">Where the image goes.</param>
    /// <param name="runs">Each run's legend label and history (reports and lesson evaluations) in step order.</param>
    /// <exception cref="UsageException">Bad extension, no records at all, or runs with different metrics.</exception>
    public static void Write(string path, IReadOnlyList<(string Label, RunHistory History)> runs)
    {
        CheckFormat("--plot", path);
        var plot = Build(runs) ?? throw new UsageException($"--plot {path}: no reports to draw (the run ended before its first report)");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        try
        {
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, Width, Height);
            else plot.SavePng(path, Width, Height);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--plot {path}: cannot write the image ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>
    /// The learning curves of the runs: per run the training loss (log scale, left axis, solid) and the task's metric
    /// (right axis, dashed); for a curriculum also the held-out accuracy of the lesson being taught at each evaluation
    /// (right axis, dotted with markers) and a vertical line at every promotion, labelled with the lesson it starts.
    /// </summary>
    /// <returns>The plot, or null when no run has a report.</returns>
    public static Plot? Build(IReadOnlyList<(string Label, RunHistory History)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var drawn = runs.Where(r => r.History.Reports.Count > 0).ToList();
        if (drawn.Count == 0) return null;
        var metrics = drawn.Select(r => r.History.Reports[^1].Metric).Distinct().ToList();
        bool curriculum = drawn.Any(r => r.History.Evaluations.Count > 0);

        var plot = new Plot();
        foreach (var (label, history) in drawn)
        {
            var records = history.Reports;
            double[] steps = records.Select(r => (double)r.Step).ToArray();
            // Loss falls over orders of magnitude (11 to 0.01 on repeat copy), so it is drawn as log10 with labels in units.
            var loss = plot.Add.ScatterLine(steps, records.Select(r => Math.Log10(Math.Max(r.Loss, 1e-6))).ToArray());
            loss.LegendText = drawn.Count > 1 ? $"{label}: loss" : "loss (left)";
            loss.LineWidth = 2;
            var metric = plot.Add.ScatterLine(steps, records.Select(r => r.Value).ToArray());
            metric.LegendText = drawn.Count > 1 ? $"{label}: {records[^1].Metric}" : $"{records[^1].Metric} (right)";
            metric.LineWidth = 2;
            metric.LinePattern = LinePattern.Dashed;
            metric.Color = loss.Color;
            metric.Axes.YAxis = plot.Axes.Right;
            var evaluations = history.Evaluations;
            if (evaluations.Count == 0) continue;
            var heldOut = plot.Add.Scatter(evaluations.Select(e => (double)e.Step).ToArray(), evaluations.Select(e => e.Accuracy).ToArray());
            heldOut.LegendText = (drawn.Count > 1 ? $"{label}: " : "") + $"held-out lesson accuracy ({evaluations[^1].Episodes} questions, right)";
            heldOut.LinePattern = LinePattern.Dotted;
            heldOut.MarkerSize = 4;
            heldOut.Color = loss.Color;
            heldOut.Axes.YAxis = plot.Axes.Right;
            foreach (var promotion in evaluations.Where(e => e.Promoted))
            {
                var line = plot.Add.VerticalLine(promotion.Step);
                line.LabelText = $"lesson {promotion.Lesson + 1}";
                line.Color = loss.Color.WithAlpha(0.5);
                line.LinePattern = LinePattern.Dashed;
                line.ExcludeFromLegend = true;
            }
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
        };
        plot.Title(curriculum ? "Learning curves per lesson (lines: lesson changes)" : "Learning curves (averages between reports)");
        plot.Axes.Left.Label.Text = "training loss (log scale, solid)";
        plot.Axes.Right.Label.Text = string.Join(" / ", metrics) + (curriculum ? " (dashed: training, dotted: held-out)" : " (dashed)");
        plot.Axes.Bottom.Label.Text = "step";
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// The <c>plot</c> mode: <c>plot a.jsonl [b.jsonl ...] --out curves.png</c> draws one line per log, labelled with its
    /// file name.
    /// </summary>
    /// <returns>The image path written.</returns>
    /// <exception cref="UsageException">No logs, no <c>--out</c>, an unknown argument or an unreadable log.</exception>
    public static string RunMode(IReadOnlyList<string> args)
    {
        var logs = new List<string>();
        string? output = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.StartsWith("--out=", StringComparison.Ordinal)) output = arg["--out=".Length..];
            else if (arg == "--out")
            {
                if (i + 1 >= args.Count) throw new UsageException("--out needs a value (the image path, .png or .svg)");
                output = args[++i];
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"plot: unknown flag {arg} (usage: plot run.jsonl [more.jsonl ...] --out curves.png)");
            else logs.Add(arg);
        }
        if (logs.Count == 0) throw new UsageException("plot: no log files given (usage: plot run.jsonl [more.jsonl ...] --out curves.png)");
        if (string.IsNullOrEmpty(output)) throw new UsageException("plot: --out is missing (the image path, .png or .svg)");
        CheckFormat("--out", output);
        Write(output, logs.Select(l => (Path.GetFileNameWithoutExtension(l), RunLog.ReadHistory(l))).ToList());
        return output;
    }
}
