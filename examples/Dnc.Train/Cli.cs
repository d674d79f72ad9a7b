using System.Globalization;
using Modules.Distributed;
using Modules.Dnc.Tasks.Babi;
using Modules.Tensors;

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

    /// <summary>The first argument that writes generated bAbI-style data instead of training: <c>babi-generate --out DIR [--stories N] [--seed S]</c>.</summary>
    public const string BabiGenerateMode = "babi-generate";

    /// <summary>Runs the program with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        if (args.Length > 0 && args[0] == "plot") return Plot(args[1..], stdout, stderr);
        if (args.Length > 0 && args[0] == GraphEvaluation.Mode) return Evaluate(args[1..], stdout, stderr);
        if (TrainOptions.WantsHelp(args))
        {
            stdout.Write(TrainOptions.HelpText());
            return Success;
        }
        MpiProcessGroup? group = null;
        try
        {
            if (args.Length > 0 && args[0] == BabiGenerateMode)
            {
                GenerateBabi(args[1..], stdout);
                return Success;
            }
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

    /// <summary>
    /// Writes <see cref="BabiStyleGenerator.Tasks"/> into <c>--out</c>: <c>--stories</c> training and test stories per task
    /// (default 200, i.e. bAbI's 1000 questions) and a tenth of that (at least one) for validation, drawn from <c>--seed</c>.
    /// </summary>
    /// <exception cref="UsageException">A flag is unknown, missing its value or out of range, or the directory cannot be written.</exception>
    private static void GenerateBabi(string[] args, TextWriter stdout)
    {
        string? output = null;
        int stories = 200;
        ulong seed = 0;
        for (int i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new UsageException($"{BabiGenerateMode}: {args[i]} needs a value");
            string value = args[i + 1];
            switch (args[i])
            {
                case "--out":
                    output = value.Length > 0 ? value : throw new UsageException($"{BabiGenerateMode}: --out needs a directory path");
                    break;
                case "--stories":
                    stories = ModeArguments.PositiveInt(BabiGenerateMode, "--stories", value);
                    break;
                case "--seed":
                    seed = ModeArguments.Seed(BabiGenerateMode, value);
                    break;
                default:
                    throw new UsageException($"{BabiGenerateMode}: unknown argument '{args[i]}' (expected --out DIR [--stories N] [--seed S])");
            }
        }
        if (output is null) throw new UsageException($"{BabiGenerateMode} needs --out DIR");
        IReadOnlyList<string> files;
        try
        {
            files = BabiStyleGenerator.WriteTasks(output, new Generator(seed), stories, Math.Max(1, stories / 10), stories);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{BabiGenerateMode} --out {output}: cannot write ({e.Message.ReplaceLineEndings(" ")})");
        }
        stdout.WriteLine($"Wrote {files.Count} files to {output}.");
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

    // The evaluate mode: a graph checkpoint's accuracy per question length on a built-in test graph.
    private static int Evaluate(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            stdout.Write(GraphEvaluation.Run(args));
            return Success;
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
