using DncTrain;

namespace DncTrain.Tests;

public sealed class ReporterTests
{
    [Fact]
    public void Redirected_output_has_reports_but_no_progress_bar()
    {
        var text = new StringWriter();
        var reporter = new Reporter(text, interactive: false, totalSteps: 10);
        reporter.Progress(1, 3.5f);
        reporter.Report(99, 1.25f, "Bit errors per sequence", 0.5f, "\nObservations:\n+1+");
        Assert.Equal("99: Avg training loss 1.250000. Bit errors per sequence 0.5000.\nObservations:\n+1+\n\n",
            text.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Report_names_the_tasks_error_measure()
    {
        var text = new StringWriter();
        new Reporter(text, interactive: false, totalSteps: 10).Report(9, 4f, "Absolute error", 1.5f, "\nInput: 1 2\nTarget: 3");
        Assert.StartsWith("9: Avg training loss 4.000000. Absolute error 1.5000.\nInput: 1 2\nTarget: 3",
            text.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Progress_line_shows_bar_fraction_step_and_loss()
    {
        var reporter = new Reporter(new StringWriter(), interactive: true, totalSteps: 200);
        string line = reporter.ProgressLine(50, 2.5f);
        Assert.StartsWith("[#######-----------------------]  25.0% step 50/200 loss 2.5000 ", line);
    }

    [Fact]
    public void Interactive_progress_is_drawn_in_place_and_cleared_before_reports()
    {
        var text = new StringWriter();
        var reporter = new Reporter(text, interactive: true, totalSteps: 1);
        reporter.Progress(1, 1f);   // the last step always draws
        reporter.Info("done");
        string s = text.ToString();
        Assert.StartsWith("\r[", s);
        Assert.EndsWith("\rdone" + Environment.NewLine, s);
    }
}
