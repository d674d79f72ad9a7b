using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DncTrain;

/// <summary>
/// Every setting of a training run. Names and defaults mirror DeepMind's <c>train.py</c> flags in kebab case,
/// plus <c>--seed</c>, <c>--viz</c> and a checkpoint directory that is on by default.
/// </summary>
public sealed record TrainOptions
{
    // Model.
    public int HiddenSize { get; init; } = 64;
    public int MemorySize { get; init; } = 16;
    public int WordSize { get; init; } = 16;
    public int NumWriteHeads { get; init; } = 1;
    public int NumReadHeads { get; init; } = 4;
    public float ClipValue { get; init; } = 20f;

    // Optimizer.
    public float MaxGradNorm { get; init; } = 50f;
    public float LearningRate { get; init; } = 1e-4f;
    public float OptimizerEpsilon { get; init; } = 1e-10f;

    // Task.
    public int NumBits { get; init; } = 4;
    public int BatchSize { get; init; } = 16;
    public int MinLength { get; init; } = 1;
    public int MaxLength { get; init; } = 2;
    public int MinRepeats { get; init; } = 1;
    public int MaxRepeats { get; init; } = 2;

    // Run.
    public int NumTrainingIterations { get; init; } = 100_000;
    public int ReportInterval { get; init; } = 100;
    /// <summary>Where checkpoints go; empty means no checkpoints at all (no resume, no saving).</summary>
    public string CheckpointDir { get; init; } = Path.Combine(".", "checkpoints", "dnc");
    /// <summary>Steps between checkpoints; -1 saves only at the end of the run and on Ctrl+C.</summary>
    public int CheckpointInterval { get; init; } = 1000;
    public ulong Seed { get; init; }
    /// <summary>Optional path of an HTML page with memory heatmaps of one episode, written at the end.</summary>
    public string? Viz { get; init; }

    /// <summary>Whether the run reads and writes checkpoints.</summary>
    public bool CheckpointsEnabled => CheckpointDir.Length > 0;

    private sealed record Flag(string Name, string Help, Func<TrainOptions, string, TrainOptions> Apply, Func<TrainOptions, string> Show);

    private static readonly Flag[] Flags =
    [
        IntFlag("hidden-size", "Size of LSTM hidden layer.", (o, v) => o with { HiddenSize = v }, o => o.HiddenSize),
        IntFlag("memory-size", "The number of memory slots.", (o, v) => o with { MemorySize = v }, o => o.MemorySize),
        IntFlag("word-size", "The width of each memory slot.", (o, v) => o with { WordSize = v }, o => o.WordSize),
        IntFlag("num-write-heads", "Number of memory write heads.", (o, v) => o with { NumWriteHeads = v }, o => o.NumWriteHeads),
        IntFlag("num-read-heads", "Number of memory read heads.", (o, v) => o with { NumReadHeads = v }, o => o.NumReadHeads),
        FloatFlag("clip-value", "Maximum absolute value of controller and dnc outputs (0 = no clipping).", (o, v) => o with { ClipValue = v }, o => o.ClipValue),
        FloatFlag("max-grad-norm", "Gradient clipping norm limit.", (o, v) => o with { MaxGradNorm = v }, o => o.MaxGradNorm),
        FloatFlag("learning-rate", "Optimizer learning rate.", (o, v) => o with { LearningRate = v }, o => o.LearningRate),
        FloatFlag("optimizer-epsilon", "Epsilon used for RMSProp optimizer.", (o, v) => o with { OptimizerEpsilon = v }, o => o.OptimizerEpsilon),
        IntFlag("num-bits", "Dimensionality of each vector to copy.", (o, v) => o with { NumBits = v }, o => o.NumBits),
        IntFlag("batch-size", "Batch size for training.", (o, v) => o with { BatchSize = v }, o => o.BatchSize),
        IntFlag("min-length", "Lower limit on number of vectors in the observation pattern to copy.", (o, v) => o with { MinLength = v }, o => o.MinLength),
        IntFlag("max-length", "Upper limit on number of vectors in the observation pattern to copy.", (o, v) => o with { MaxLength = v }, o => o.MaxLength),
        IntFlag("min-repeats", "Lower limit on number of copy repeats.", (o, v) => o with { MinRepeats = v }, o => o.MinRepeats),
        IntFlag("max-repeats", "Upper limit on number of copy repeats.", (o, v) => o with { MaxRepeats = v }, o => o.MaxRepeats),
        IntFlag("num-training-iterations", "Number of iterations to train for.", (o, v) => o with { NumTrainingIterations = v }, o => o.NumTrainingIterations),
        IntFlag("report-interval", "Iterations between reports (samples, valid loss).", (o, v) => o with { ReportInterval = v }, o => o.ReportInterval),
        new("checkpoint-dir", "Checkpointing directory (empty string: no checkpoints).", (o, v) => o with { CheckpointDir = v }, o => o.CheckpointDir),
        IntFlag("checkpoint-interval", "Checkpointing step interval (-1: only at the end and on Ctrl+C).", (o, v) => o with { CheckpointInterval = v }, o => o.CheckpointInterval),
        new("seed", "Seed of parameter initialisation and episode sampling.", (o, v) => o with { Seed = ParseULong("seed", v) }, o => o.Seed.ToString(CultureInfo.InvariantCulture)),
        new("viz", "Write an HTML page with memory heatmaps of one episode to this path.", (o, v) => o with { Viz = v }, o => o.Viz ?? ""),
    ];

    /// <summary>
    /// Parses <c>--flag value</c> and <c>--flag=value</c> arguments and validates the result.
    /// </summary>
    /// <exception cref="UsageException">Unknown flag, missing or malformed value, or an inconsistent setting.</exception>
    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        var options = new TrainOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}' (flags look like --num-bits 4; see --help)");
            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0) (name, value) = (name[..eq], name[(eq + 1)..]);
            var flag = Array.Find(Flags, f => f.Name == name.Replace('_', '-'))
                ?? throw new UsageException($"unknown flag --{name} (see --help)");
            if (value is null)
            {
                if (i + 1 >= args.Count) throw new UsageException($"--{flag.Name} needs a value");
                value = args[++i];
            }
            options = flag.Apply(options, value);
        }
        options.Validate();
        return options;
    }

    /// <summary>Whether the arguments ask for the help text.</summary>
    public static bool WantsHelp(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>The help text listing every flag with its default.</summary>
    public static string HelpText()
    {
        var defaults = new TrainOptions();
        var sb = new StringBuilder("Trains a Differentiable Neural Computer on the repeat-copy task.\n\nUsage: Dnc.Train [--flag value]...\n\n");
        foreach (var f in Flags)
            sb.Append(CultureInfo.InvariantCulture, $"  --{f.Name,-26}{f.Help} (default: {DefaultText(f.Show(defaults))})\n");
        return sb.ToString();
    }

    private static string DefaultText(string s) => s.Length == 0 ? "none" : s;

    /// <summary>Checks ranges and min/max pairs.</summary>
    /// <exception cref="UsageException">The first violated rule.</exception>
    public void Validate()
    {
        Positive("hidden-size", HiddenSize);
        Positive("memory-size", MemorySize);
        Positive("word-size", WordSize);
        Positive("num-write-heads", NumWriteHeads);
        Positive("num-read-heads", NumReadHeads);
        NonNegative("clip-value", ClipValue);
        Positive("max-grad-norm", MaxGradNorm);
        Positive("learning-rate", LearningRate);
        Positive("optimizer-epsilon", OptimizerEpsilon);
        Positive("num-bits", NumBits);
        Positive("batch-size", BatchSize);
        Positive("min-length", MinLength);
        Positive("max-length", MaxLength);
        Positive("min-repeats", MinRepeats);
        Positive("max-repeats", MaxRepeats);
        if (MinLength > MaxLength) throw new UsageException($"--min-length ({MinLength}) must not exceed --max-length ({MaxLength})");
        if (MinRepeats > MaxRepeats) throw new UsageException($"--min-repeats ({MinRepeats}) must not exceed --max-repeats ({MaxRepeats})");
        if (NumTrainingIterations < 0) throw new UsageException($"--num-training-iterations must be 0 or more, got {NumTrainingIterations}");
        Positive("report-interval", ReportInterval);
        if (CheckpointInterval == 0 || CheckpointInterval < -1)
            throw new UsageException($"--checkpoint-interval must be positive or -1, got {CheckpointInterval}");
        if (Viz is { Length: 0 }) throw new UsageException("--viz needs a file path");
    }

    /// <summary>
    /// The settings a checkpoint must agree with to be resumed: model, task, optimizer and seed
    /// (not the run length, intervals or paths).
    /// </summary>
    public string ConfigurationJson()
    {
        var node = new JsonObject
        {
            ["hidden_size"] = HiddenSize, ["memory_size"] = MemorySize, ["word_size"] = WordSize,
            ["num_write_heads"] = NumWriteHeads, ["num_read_heads"] = NumReadHeads, ["clip_value"] = ClipValue,
            ["max_grad_norm"] = MaxGradNorm, ["learning_rate"] = LearningRate, ["optimizer_epsilon"] = OptimizerEpsilon,
            ["num_bits"] = NumBits, ["batch_size"] = BatchSize, ["min_length"] = MinLength, ["max_length"] = MaxLength,
            ["min_repeats"] = MinRepeats, ["max_repeats"] = MaxRepeats, ["seed"] = Seed,
        };
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static Flag IntFlag(string name, string help, Func<TrainOptions, int, TrainOptions> apply, Func<TrainOptions, int> show) =>
        new(name, help, (o, v) => apply(o, ParseInt(name, v)), o => show(o).ToString(CultureInfo.InvariantCulture));

    private static Flag FloatFlag(string name, string help, Func<TrainOptions, float, TrainOptions> apply, Func<TrainOptions, float> show) =>
        new(name, help, (o, v) => apply(o, ParseFloat(name, v)), o => show(o).ToString("R", CultureInfo.InvariantCulture));

    private static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new UsageException($"--{name} needs an integer, got '{value}'");

    private static ulong ParseULong(string name, string value) =>
        ulong.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v) ? v
            : throw new UsageException($"--{name} needs a non-negative integer, got '{value}'");

    private static float ParseFloat(string name, string value) =>
        float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) ? v
            : throw new UsageException($"--{name} needs a number, got '{value}'");

    private static void Positive(string name, double value)
    {
        if (!(value > 0)) throw new UsageException($"--{name} must be positive, got {value.ToString(CultureInfo.InvariantCulture)}");
    }

    private static void NonNegative(string name, double value)
    {
        if (!(value >= 0)) throw new UsageException($"--{name} must be 0 or more, got {value.ToString(CultureInfo.InvariantCulture)}");
    }
}
