using System.Diagnostics;
using System.Globalization;
using Modules.Checkpoints;

namespace Modules.Benchmarks;

/// <summary>
/// The <c>ntm-train</c> mode: times whole NTM copy-task training steps with a stopwatch, for
/// <c>benchmarks/compare.sh --model ntm</c>. Flags: the model and task flags of Dnc.Train that the copy task uses
/// (<c>--batch-size --memory-size --word-size --hidden-size --num-read-heads --num-write-heads --num-bits --min-length
/// --max-length --seed</c>), defaulting to the paper's copy configuration (<see cref="NtmConfiguration.Copy"/>), plus
/// <c>--warmup-steps</c> (untimed), <c>--steps</c> (timed), <c>--print-losses</c> and <c>--export-init file</c>
/// (the initial parameters as <c>param/&lt;path&gt;</c> safetensors, for <c>benchmarks/reference/train_ntm.py --init-from</c>).
/// Ends with a line <c>RESULT side=modules steps=… steps_per_second=…</c> as <c>train_ntm.py</c> does.
/// </summary>
public static class NtmTrainingTiming
{
    /// <summary>Runs the mode with the arguments after <c>ntm-train</c>; returns the process exit code (2 for bad flags).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = NtmConfiguration.Copy with { Name = "custom" };
        int warmup = 5, steps = 30;
        bool printLosses = false;
        string? exportInit = null;
        try
        {
            for (int i = 0; i < args.Count; i++)
            {
                string flag = args[i];
                if (flag == "--print-losses") { printLosses = true; continue; }
                if (i + 1 >= args.Count) throw new FormatException($"{flag} needs a value");
                string value = args[++i];
                configuration = flag switch
                {
                    "--batch-size" => configuration with { BatchSize = Int(value) },
                    "--memory-size" => configuration with { MemorySize = Int(value) },
                    "--word-size" => configuration with { WordSize = Int(value) },
                    "--hidden-size" => configuration with { HiddenSize = Int(value) },
                    "--num-read-heads" => configuration with { NumReadHeads = Int(value) },
                    "--num-write-heads" => configuration with { NumWriteHeads = Int(value) },
                    "--num-bits" => configuration with { NumBits = Int(value) },
                    "--min-length" => configuration with { MinLength = Int(value) },
                    "--max-length" => configuration with { MaxLength = Int(value) },
                    "--seed" => configuration with { Seed = ulong.Parse(value, CultureInfo.InvariantCulture) },
                    "--warmup-steps" or "--steps" or "--export-init" => configuration,
                    _ => throw new FormatException($"unknown flag {flag}"),
                };
                if (flag == "--warmup-steps") warmup = Int(value);
                else if (flag == "--steps") steps = Int(value);
                else if (flag == "--export-init") exportInit = value;
            }
            if (steps < 1 || warmup < 0) throw new FormatException("--steps must be positive and --warmup-steps not negative");
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"error: ntm-train: {e.Message}");
            return 2;
        }

        var run = new NtmTrainingRun(configuration);
        int parameterCount = run.Model.NamedParameters().Sum(p => p.Value.Size);
        Console.WriteLine($"modules (.NET {Environment.Version}), processors {Environment.ProcessorCount}, parameters {parameterCount}");
        if (exportInit is not null)
        {
            SafeTensors.Write(exportInit, run.Model.NamedParameters().Select(p => KeyValuePair.Create("param/" + p.Key, p.Value)));
            Console.WriteLine($"wrote initial parameters to {exportInit}");
        }

        for (int i = 0; i < warmup; i++)
        {
            var (l, errors, t) = run.TrainStep();
            if (printLosses) Console.WriteLine(Line(i, t, l, errors));
        }
        float loss = 0;
        long timeSteps = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            var (l, errors, t) = run.TrainStep();
            (loss, timeSteps) = (l, timeSteps + t);
            if (printLosses) Console.WriteLine(Line(warmup + i, t, l, errors));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT side=modules steps={steps} time_steps={timeSteps} seconds={seconds:F3} steps_per_second={steps / seconds:F3} ms_per_step={1000 * seconds / steps:F2} last_loss={loss:F6}"));
        return 0;
    }

    private static string Line(int step, int t, float loss, float errors) =>
        string.Create(CultureInfo.InvariantCulture, $"step {step} T={t} loss {loss:F6} bit_errors {errors:F4}");

    private static int Int(string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new FormatException($"expected an integer, got '{value}'");
}
