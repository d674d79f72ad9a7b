using Modules.Distributed;

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
    /// <summary>Exit code of a <c>--distributed</c> run stopped because another rank died or hung.</summary>
    public const int RankFailed = 4;

    /// <summary>The flag that runs one rank of synchronous data-parallel training under <c>mpiexec</c> (no value).</summary>
    public const string DistributedFlag = "--distributed";

    /// <summary>Runs the program with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        if (args.Length > 0 && args[0] == "plot") return Plot(args[1..], stdout, stderr);
        if (TrainOptions.WantsHelp(args))
        {
            stdout.Write(TrainOptions.HelpText());
            return Success;
        }
        MpiProcessGroup? group = null;
        try
        {
            var options = TrainOptions.Parse(args.Where(a => a != DistributedFlag).ToArray());
            if (args.Contains(DistributedFlag)) group = JoinRanks();
            // Only rank 0 reports; every rank trains.
            var reporter = new Reporter(group is { Rank: > 0 } ? TextWriter.Null : stdout, interactive, options.NumTrainingIterations,
                options.ReportSeconds, options.Quiet);
            var trainer = new Trainer(options, reporter, group);
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
        catch (ProcessGroupException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return RankFailed;
        }
        finally
        {
            group?.Dispose(); // after a failed collective this ends the whole job (MPI_Abort)
        }
    }

    private static MpiProcessGroup JoinRanks()
    {
        if (!MpiProcessGroup.IsLaunched)
            throw new UsageException($"{DistributedFlag} needs an MPI launcher: run 'mpiexec -n <ranks> dotnet examples/Dnc.Train/bin/Release/net10.0/Dnc.Train.dll {DistributedFlag} …' (no PMI_RANK or PMIX_RANK in the environment)");
        try
        {
            return MpiProcessGroup.Start();
        }
        catch (DllNotFoundException e)
        {
            throw new UsageException($"{DistributedFlag}: {e.Message}");
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
