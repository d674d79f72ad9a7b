namespace DncTrain;

/// <summary>The command line: parse, train, map failures to exit codes.</summary>
public static class Cli
{
    /// <summary>Exit code of a finished run.</summary>
    public const int Success = 0;
    /// <summary>Exit code for bad flags or an unusable checkpoint directory.</summary>
    public const int UsageError = 2;
    /// <summary>Exit code after Ctrl+C (the conventional 128 + SIGINT); a checkpoint was saved if enabled.</summary>
    public const int Interrupted = 130;

    /// <summary>Runs the program with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        if (args.Length > 0 && args[0] == "plot") return Plot(args[1..], stdout, stderr);
        if (TrainOptions.WantsHelp(args))
        {
            stdout.Write(TrainOptions.HelpText());
            return Success;
        }
        try
        {
            var options = TrainOptions.Parse(args);
            var reporter = new Reporter(stdout, interactive, options.NumTrainingIterations, options.ReportSeconds, options.Quiet);
            var trainer = new Trainer(options, reporter);
            var result = trainer.Run(cancellation);
            return result.Interrupted ? Interrupted : Success;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
    }

    // The plot mode: learning curves from one or more --log-file logs.
    private static int Plot(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            stdout.WriteLine($"Wrote {CurvePlot.RunMode(args)}.");
            return Success;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
    }
}
