namespace DncTrain;

/// <summary>The command line: parse, train, map failures to exit codes.</summary>
public static class Cli
{
    /// <summary>Exit code of a finished run.</summary>
    public const int Success = 0;
    /// <summary>Exit code for bad flags or an unusable checkpoint directory.</summary>
    public const int UsageError = 2;
    /// <summary>Exit code of a run that diverged: <c>--max-non-finite-steps</c> steps in a row had a non-finite loss or gradient.</summary>
    public const int Diverged = 3;
    /// <summary>Exit code after Ctrl+C (the conventional 128 + SIGINT); a checkpoint was saved if enabled.</summary>
    public const int Interrupted = 130;

    /// <summary>Runs the program with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        if (TrainOptions.WantsHelp(args))
        {
            stdout.Write(TrainOptions.HelpText());
            return Success;
        }
        try
        {
            var options = TrainOptions.Parse(args);
            var reporter = new Reporter(stdout, interactive, options.NumTrainingIterations);
            var trainer = new Trainer(options, reporter);
            var result = trainer.Run(cancellation);
            return result.Interrupted ? Interrupted : Success;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (DivergedException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Diverged;
        }
    }
}
