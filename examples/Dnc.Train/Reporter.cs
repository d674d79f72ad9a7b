using System.Diagnostics;
using System.Globalization;

namespace DncTrain;

/// <summary>
/// Console output of a training run: a progress bar redrawn in place on a terminal (none when output is
/// redirected, so logs stay clean) and a report every <c>--report-interval</c> steps.
/// </summary>
public sealed class Reporter
{
    private readonly TextWriter output;
    private readonly bool interactive;
    private readonly int totalSteps;
    private readonly Stopwatch sinceRedraw = Stopwatch.StartNew();
    private readonly Stopwatch sinceStart = Stopwatch.StartNew();
    private int firstStep = -1;
    private bool lineDirty;

    /// <summary>Creates a reporter.</summary>
    /// <param name="output">Where everything goes.</param>
    /// <param name="interactive">Draw the in-place progress bar (a terminal, not a file or pipe).</param>
    /// <param name="totalSteps">The step the run ends at, for the bar.</param>
    public Reporter(TextWriter output, bool interactive, int totalSteps)
    {
        this.output = output;
        this.interactive = interactive;
        this.totalSteps = Math.Max(totalSteps, 1);
    }

    /// <summary>Called after every step; redraws the bar at most ten times a second.</summary>
    /// <param name="step">Steps completed so far.</param>
    /// <param name="loss">This step's loss.</param>
    public void Progress(int step, float loss)
    {
        if (firstStep < 0) { firstStep = step - 1; sinceStart.Restart(); }
        if (!interactive || (sinceRedraw.ElapsedMilliseconds < 100 && step < totalSteps)) return;
        sinceRedraw.Restart();
        output.Write('\r' + ProgressLine(step, loss));
        lineDirty = true;
    }

    /// <summary>The bar's text, e.g. <c>[#####-----]  50.0% step 50/100 loss 3.2100 12.3 steps/s</c>.</summary>
    public string ProgressLine(int step, float loss)
    {
        const int width = 30;
        double fraction = Math.Clamp((double)step / totalSteps, 0, 1);
        int filled = (int)(fraction * width);
        double seconds = sinceStart.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? (step - Math.Max(firstStep, 0)) / seconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', width - filled)}] {fraction * 100,5:0.0}% step {step}/{totalSteps} loss {loss:0.0000} {rate:0.0} steps/s");
    }

    /// <summary>Prints a report in the style of <c>train.py</c>'s log line, plus the task's error measure and a readable sample.</summary>
    /// <param name="iteration">The zero-based iteration just finished (as train.py prints it).</param>
    /// <param name="averageLoss">Average training loss since the last report.</param>
    /// <param name="errorName">What <paramref name="averageError"/> measures, e.g. <c>Bit errors per sequence</c>.</param>
    /// <param name="averageError">Average of the task's error measure since the last report.</param>
    /// <param name="sample">The readable episode with model output.</param>
    public void Report(int iteration, float averageLoss, string errorName, float averageError, string sample)
    {
        ClearLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{iteration}: Avg training loss {averageLoss:F6}. {errorName} {averageError:F4}.{sample}"));
        output.WriteLine();
        output.Flush();
    }

    /// <summary>Prints a line of information (resume, checkpoint saved, ...).</summary>
    public void Info(string message)
    {
        ClearLine();
        output.WriteLine(message);
        output.Flush();
    }

    private void ClearLine()
    {
        if (!lineDirty) return;
        output.Write('\r' + new string(' ', 100) + '\r');
        lineDirty = false;
    }
}
