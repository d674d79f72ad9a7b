using System.Diagnostics;
using System.Globalization;
using DncTrain;
using Modules.Checkpoints;
using Modules.Training;

namespace Modules.Benchmarks;

/// <summary>
/// The <c>dnc-train</c> mode: times whole DNC training steps with a stopwatch, for <c>benchmarks/compare.sh</c>.
/// Takes Dnc.Train's model and task flags (<c>--batch-size 32 --memory-size 128 …</c>) plus <c>--warmup-steps</c>
/// (untimed), <c>--steps</c> (timed), <c>--print-losses</c> and <c>--export-init file</c> (writes the initial
/// parameters as <c>param/&lt;path&gt;</c> safetensors, for the PyTorch reference's <c>--init-from</c>). Ends with a line
/// <c>RESULT side=modules steps=… steps_per_second=…</c> in the same format as <c>benchmarks/reference/train_dnc.py</c>.
/// </summary>
public static class DncTrainingTiming
{
    /// <summary>Runs the mode with the arguments after <c>dnc-train</c>; returns the process exit code (2 for bad flags).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int warmup = 5, steps = 30;
        bool printLosses = false;
        string? exportInit = null;
        DncConfiguration configuration;
        try
        {
            // The timing flags here; every other flag is the training command's own (TrainOptions.Parse).
            var trainingFlags = new List<string>();
            for (int i = 0; i < args.Count; i++)
            {
                string flag = args[i];
                if (flag == "--print-losses") { printLosses = true; continue; }
                if (flag is not ("--warmup-steps" or "--steps" or "--export-init")) { trainingFlags.Add(flag); continue; }
                if (i + 1 >= args.Count) throw new FormatException($"{flag} needs a value");
                string value = args[++i];
                switch (flag)
                {
                    case "--warmup-steps": warmup = Int(value); break;
                    case "--steps": steps = Int(value); break;
                    default: exportInit = value; break;
                }
            }
            if (steps < 1 || warmup < 0) throw new FormatException("--steps must be positive and --warmup-steps not negative");
            configuration = new DncConfiguration { Name = "custom", Options = TrainOptions.Parse(trainingFlags) with { CheckpointDir = "" } };
        }
        catch (Exception e) when (e is FormatException or UsageException)
        {
            Console.Error.WriteLine($"error: dnc-train: {e.Message}");
            return 2;
        }

        var run = new DncTrainingRun(configuration);
        var parameters = run.Model.Module.NamedParameters();
        int parameterCount = parameters.Sum(p => p.Value.Size);
        Console.WriteLine($"modules (.NET {Environment.Version}), processors {Environment.ProcessorCount}, parameters {parameterCount}");
        if (exportInit is not null)
        {
            SafeTensors.Write(exportInit, parameters.Select(p => KeyValuePair.Create("param/" + p.Key, p.Value)));
            Console.WriteLine($"wrote initial parameters to {exportInit}");
        }

        float loss = 0;
        for (int i = 0; i < warmup; i++)
        {
            var step = run.TrainStep();
            if (printLosses) Console.WriteLine(Line(i, step));
        }
        long timeSteps = 0;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            var step = run.TrainStep();
            loss = step.Loss;
            timeSteps += step.TimeSteps;
            if (printLosses) Console.WriteLine(Line(warmup + i, step));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        // Allocation of every thread (with --batch-shards the helper runs a whole shard) and collections of all generations.
        long allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / steps;
        gen0 = GC.CollectionCount(0) - gen0; gen1 = GC.CollectionCount(1) - gen1; gen2 = GC.CollectionCount(2) - gen2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT side=modules steps={steps} time_steps={timeSteps} seconds={seconds:F3} steps_per_second={steps / seconds:F3} ms_per_step={1000 * seconds / steps:F2} last_loss={loss:F6} allocated_bytes_per_step={allocatedPerStep} gen0={gen0} gen1={gen1} gen2={gen2}"));
        // The FLOP count models the DNC; other models get the timing alone.
        if (configuration.Options.Model == ModelKind.Dnc) Console.WriteLine(LimitReport(configuration, run, parameterCount, timeSteps, steps, seconds));
        return 0;
    }

    /// <summary>
    /// The <c>LIMIT</c> line: analytic FLOPs of the timed steps (<see cref="DncFlops"/>), the GFLOP/s achieved, and the
    /// fraction of the nominal peak (cores, vector width and CPU vendor detected now, 2 FMA pipes per core, the clock /proc/cpuinfo reports)
    /// and of the peak an FMA loop measures on all cores right after the timed steps.
    /// </summary>
    private static string LimitReport(DncConfiguration configuration, DncTrainingRun run, int parameterCount, long timeSteps, int steps, double seconds)
    {
        int inputs = run.Task.ObservationSize, outputs = run.Task.TargetSize;
        long modelled = DncFlops.ParameterCount(configuration, inputs, outputs);
        if (modelled != parameterCount)
            Console.WriteLine($"warning: the FLOP count's model has {modelled} parameters, the DNC {parameterCount}: the count does not follow the model");
        double flops = DncFlops.Training(configuration, inputs, outputs, timeSteps, steps);
        double achieved = flops / seconds / 1e9;
        double? clock = DncFlops.NominalClockGHz();
        double measured = DncFlops.MeasuredPeakGflops();
        string nominal = clock is { } ghz
            ? string.Create(CultureInfo.InvariantCulture, $"peak_gflops_nominal={DncFlops.NominalPeakGflops(ghz):F1} fraction_of_nominal_peak={achieved / DncFlops.NominalPeakGflops(ghz):F4} clock_ghz_assumed={ghz:F2}")
            : "peak_gflops_nominal=unknown (no clock in /proc/cpuinfo)";
        return string.Create(CultureInfo.InvariantCulture,
            $"LIMIT mflop_per_step={flops / steps / 1e6:F1} gflops={achieved:F2} cores={Environment.ProcessorCount} float_lanes={DncFlops.VectorLanes} fma_pipe_lanes={DncFlops.LanesPerFmaPipe} {nominal} peak_gflops_measured={measured:F1} fraction_of_measured_peak={achieved / measured:F4}");
    }


    private static string Line(int index, StepReport step) =>
        string.Create(CultureInfo.InvariantCulture, $"step {index} T={step.TimeSteps} loss {step.Loss:F6} bit_errors {step.Metric:F4}");

    private static int Int(string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new FormatException($"expected an integer, got '{value}'");
}
