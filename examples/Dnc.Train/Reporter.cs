using System.Diagnostics;
using System.Globalization;

namespace DncTrain;

/// <summary>
/// Console output of a training run: a one-line progress bar redrawn in place on a terminal (none when output is
/// redirected, so logs stay clean), reports paced by time, and notes. <c>--quiet</c> silences all of it.
/// </summary>
public sealed class Reporter
{
    private const int BarLineWidth = 100;
    private readonly TextWriter output;
    private readonly bool interactive;
    private readonly bool quiet;
    private readonly int totalSteps;
    private readonly double minSecondsBetweenReports;
    private readonly Stopwatch sinceRedraw = Stopwatch.StartNew();
    private readonly Stopwatch sinceStart = new();
    private int startStep;
    private int lastReportStep;
    private double lastReportSeconds;
    private bool reported;
    private bool lineDirty;

    /// <summary>Creates a reporter.</summary>
    /// <param name="output">Where everything goes.</param>
    /// <param name="interactive">Draw the in-place progress bar (a terminal, not a file or pipe).</param>
    /// <param name="totalSteps">The step the run ends at, for the bar.</param>
    /// <param name="minSecondsBetweenReports">Least time between two reports (the first and the last are never held back).</param>
    /// <param name="quiet">Print nothing at all.</param>
    public Reporter(TextWriter output, bool interactive, int totalSteps, double minSecondsBetweenReports = 0, bool quiet = false)
    {
        this.output = output;
        this.interactive = interactive && !quiet;
        this.quiet = quiet;
        this.totalSteps = Math.Max(totalSteps, 1);
        this.minSecondsBetweenReports = minSecondsBetweenReports;
    }

    /// <summary>Starts the clock the rates are measured on; call right before the first step of this run.</summary>
    /// <param name="step">Steps already completed (after a resume).</param>
    public void Start(int step)
    {
        startStep = lastReportStep = step;
        lastReportSeconds = 0;
        reported = false;
        sinceStart.Restart();
    }

    /// <summary>Seconds since <see cref="Start"/>.</summary>
    public double ElapsedSeconds => sinceStart.Elapsed.TotalSeconds;

    /// <summary>
    /// Whether a report is due at <paramref name="step"/> (a step at which the trainer may report): always for the first
    /// report and the run's last step, otherwise once the minimum time since the previous report has passed.
    /// </summary>
    public bool ReportDue(int step) =>
        !reported || step >= totalSteps || ElapsedSeconds - lastReportSeconds >= minSecondsBetweenReports;

    /// <summary>Steps per second since the previous report (since <see cref="Start"/> for the first), and marks a report made.</summary>
    /// <param name="step">Steps completed at this report.</param>
    public double TakeReportRate(int step)
    {
        double now = ElapsedSeconds;
        double rate = now > lastReportSeconds ? (step - lastReportStep) / (now - lastReportSeconds) : 0;
        (lastReportStep, lastReportSeconds, reported) = (step, now, true);
        return rate;
    }

    /// <summary>Called after every step; redraws the bar at most ten times a second.</summary>
    /// <param name="step">Steps completed so far.</param>
    /// <param name="loss">This step's loss.</param>
    public void Progress(int step, float loss)
    {
        if (!interactive || (sinceRedraw.ElapsedMilliseconds < 100 && step < totalSteps)) return;
        sinceRedraw.Restart();
        output.Write('\r' + ProgressLine(step, loss));
        output.Flush();
        lineDirty = true;
    }

    /// <summary>
    /// The bar's text, e.g. <c>[#####-----]  50.0% step 50/100 loss 3.2100 212.3 steps/s</c>; the rate counts every step
    /// since <see cref="Start"/> over the whole time since then (including the first, slow step), and reads <c>-</c> for the
    /// first second, when too few steps have run for it to mean anything. At most <c>100</c> characters, so it never wraps.
    /// </summary>
    public string ProgressLine(int step, float loss)
    {
        const int width = 30;
        double fraction = Math.Clamp((double)step / totalSteps, 0, 1);
        int filled = (int)(fraction * width);
        double seconds = ElapsedSeconds;
        string rate = seconds >= 1 ? ((step - startStep) / seconds).ToString("0.0", CultureInfo.InvariantCulture) : "-";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', width - filled)}] {fraction * 100,5:0.0}% step {step}/{totalSteps} loss {loss:0.0000} {rate} steps/s");
        return line.Length <= BarLineWidth ? line : line[..BarLineWidth];
    }

    /// <summary>Prints a report in the style of <c>train.py</c>'s log line, plus the task's error measure, the rate and a readable sample.</summary>
    /// <param name="iteration">The zero-based iteration just finished (as train.py prints it).</param>
    /// <param name="averageLoss">Average training loss since the last report.</param>
    /// <param name="errorName">What <paramref name="averageError"/> measures, e.g. <c>Bit errors per sequence</c>.</param>
    /// <param name="averageError">Average of the task's error measure since the last report.</param>
    /// <param name="sample">The readable episode with model output.</param>
    /// <param name="stepsPerSecond">Training speed since the last report; not printed when null.</param>
    public void Report(int iteration, float averageLoss, string errorName, float averageError, string sample, double? stepsPerSecond = null)
    {
        if (quiet) return;
        ClearLine();
        string rate = stepsPerSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $" {r:0.0} steps/s.") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{iteration}: Avg training loss {averageLoss:F6}. {errorName} {averageError:F4}.{rate}{sample}"));
        output.WriteLine();
        output.Flush();
    }

    /// <summary>Prints a line of information (checkpoint directory, resume, checkpoint saved, ...).</summary>
    public void Info(string message)
    {
        if (quiet) return;
        ClearLine();
        output.WriteLine(message);
        output.Flush();
    }

    private void ClearLine()
    {
        if (!lineDirty) return;
        output.Write('\r' + new string(' ', BarLineWidth) + '\r');
        lineDirty = false;
    }
}
