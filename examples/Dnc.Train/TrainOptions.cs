using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Modules.Dnc.Sparse;
using Modules.Dnc.Tasks;

namespace DncTrain;

/// <summary>
/// Every setting of a training run. Names and defaults mirror DeepMind's <c>train.py</c> flags in kebab case,
/// plus <c>--seed</c>, <c>--viz</c>, a checkpoint directory that is on by default, and <c>--model</c> / <c>--task</c>
/// with their own flags. <see cref="Parse"/> starts from <see cref="Defaults"/> of the chosen task (the property
/// initialisers are repeat copy's) and refuses flags that do not apply to the chosen model or task.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>The memory core: <c>--model</c>.</summary>
    public ModelKind Model { get; init; } = ModelKind.Dnc;
    /// <summary>The task: <c>--task</c>.</summary>
    public TaskKind Task { get; init; } = TaskKind.RepeatCopy;

    // Model: the cores' own defaults (DeepMind's for repeat copy), declared once in MemoryCoreOptions and the sparse options.
    private static readonly SdncOptions CoreDefaults = new() { OutputSize = 1 };
    public int HiddenSize { get; init; } = CoreDefaults.HiddenSize;
    public int MemorySize { get; init; } = CoreDefaults.MemorySize;
    public int WordSize { get; init; } = CoreDefaults.WordSize;
    public int NumWriteHeads { get; init; } = CoreDefaults.NumWrites;
    public int NumReadHeads { get; init; } = CoreDefaults.NumReads;
    public float ClipValue { get; init; } = CoreDefaults.ClipValue;
    /// <summary>Masked content addressing of the DNC's read heads (<c>--key-mask</c>, <see cref="Modules.Dnc.DncOptions.KeyMask"/>).</summary>
    public bool KeyMask { get; init; }
    /// <summary>The DNC's read heads read the memory before the step's write (<c>--read-before-write</c>, <see cref="Modules.Dnc.DncOptions.ReadBeforeWrite"/>; not DeepMind's order).</summary>
    public bool ReadBeforeWrite { get; init; }
    /// <summary>The NTM's controller (<c>--controller</c>, ntm only).</summary>
    public ControllerKind Controller { get; init; } = ControllerKind.Lstm;
    /// <summary>K, the rows each SAM/SDNC read head reads (<c>--sparse-reads</c>).</summary>
    public int SparseReads { get; init; } = CoreDefaults.SparseReads;
    /// <summary>K_L, the SDNC's sparse temporal link entries per row (<c>--link-sparsity</c>).</summary>
    public int LinkSparsity { get; init; } = CoreDefaults.LinkSparsity;
    /// <summary>The SAM/SDNC nearest-neighbour search (<c>--index</c>).</summary>
    public IndexKind Index { get; init; } = IndexKind.Exact;

    // Optimizer.
    /// <summary>The optimizer (<c>--optimizer</c>); <c>--learning-rate</c> and <c>--optimizer-epsilon</c> are its step size and ε.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.RmsProp;
    public float MaxGradNorm { get; init; } = 50f;
    public float LearningRate { get; init; } = 1e-4f;
    public float OptimizerEpsilon { get; init; } = 1e-10f;

    // Task.
    public int NumBits { get; init; } = 4;
    public int BatchSize { get; init; } = 16;
    /// <summary>Shards each batch is cut into, each on its own thread (<c>--batch-shards</c>, <see cref="Modules.Training.TrainerOptions.BatchShards"/>).</summary>
    public int BatchShards { get; init; } = 1;
    public int MinLength { get; init; } = 1;
    public int MaxLength { get; init; } = 2;
    public int MinRepeats { get; init; } = 1;
    public int MaxRepeats { get; init; } = 2;
    /// <summary>One-hot width of the adding and argmax tasks (digits 0..S−2, end marker S−1).</summary>
    public int InputSize { get; init; } = 6;
    /// <summary>The bAbI directory of <c>qaN_*_train.txt</c> (and <c>_valid</c>, <c>_test</c>) files (<c>--data-dir</c>, babi only).</summary>
    public string? DataDir { get; init; }
    /// <summary>The share of fully correct answers on a held-out batch that passes a graph lesson (<c>--pass-threshold</c>).</summary>
    public float PassThreshold { get; init; } = 0.9f;
    /// <summary>Steps between held-out evaluations of the current graph lesson (<c>--evaluation-interval</c>).</summary>
    public int EvaluationInterval { get; init; } = 200;
    /// <summary>Held-out questions per evaluation of the current graph lesson, in batches of <c>--batch-size</c> (<c>--evaluation-size</c>).</summary>
    public int EvaluationSize { get; init; } = 256;
    /// <summary>Steps with no input between a shortest-path or inference query and its answer (<c>--planning-steps</c>).</summary>
    public int PlanningSteps { get; init; } = 10;

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
    /// <summary>Resume exactly this checkpoint file (<c>--resume-from</c>); null: the newest in the checkpoint directory.</summary>
    public string? ResumeFrom { get; init; }
    /// <summary>Resume the newest checkpoint that passes every check, naming the newer ones rejected (<c>--resume-newest-valid</c>).</summary>
    public bool ResumeNewestValid { get; init; }
    /// <summary>Non-finite steps in a row (none of them applied) after which the run stops (<c>--max-non-finite-steps</c>).</summary>
    public int MaxNonFiniteSteps { get; init; } = 10;
    /// <summary>Least time between two reports (<c>--report-seconds</c>); the first and the last report are never held back.</summary>
    public double ReportSeconds { get; init; } = 5;
    /// <summary>No progress bar, reports or notes on the console (<c>--quiet</c>); errors still go to stderr.</summary>
    public bool Quiet { get; init; }
    /// <summary>Optional JSON-lines log, one object per report, appended to (<c>--log-file</c>).</summary>
    public string? LogFile { get; init; }
    /// <summary>Optional learning-curve image (.png or .svg) written at the end (<c>--plot</c>).</summary>
    public string? Plot { get; init; }

    /// <summary>Whether the run reads and writes checkpoints.</summary>
    public bool CheckpointsEnabled => CheckpointDir.Length > 0;

    /// <summary>The models with a memory (all but the <c>lstm</c> baseline).</summary>
    private static readonly ModelKind[] MemoryModels = [ModelKind.Dnc, ModelKind.Ntm, ModelKind.Sam, ModelKind.Sdnc];
    private static readonly TaskKind[] BitTasks = [TaskKind.RepeatCopy, TaskKind.Copy];
    private static readonly TaskKind[] DigitTasks = [TaskKind.Adding, TaskKind.Argmax];
    /// <summary>The tasks whose episodes are drawn from --min-length/--max-length (the graph tasks have lessons, bAbI has stories).</summary>
    private static readonly TaskKind[] LengthTasks = [.. BitTasks, .. DigitTasks];
    /// <summary>The graph tasks: a curriculum of lessons.</summary>
    private static readonly TaskKind[] GraphTasks = [TaskKind.GraphTraversal, TaskKind.ShortestPath, TaskKind.Inference];

    // Tasks / Models: where the flag applies (null: everywhere).
    private sealed record Flag(string Name, string Help, Func<TrainOptions, string, TrainOptions> Apply, Func<TrainOptions, string> Show)
    {
        public TaskKind[]? Tasks { get; init; }
        public ModelKind[]? Models { get; init; }
        /// <summary>A switch takes no value: given means true.</summary>
        public bool IsSwitch { get; init; }
    }

    private static readonly Flag[] Flags =
    [
        new("model", "The core: dnc, ntm, sam, sdnc, or lstm (a baseline without memory).", (o, v) => o with { Model = Choices.Parse<ModelKind>("model", v, Choices.Name) }, o => Choices.Name(o.Model)),
        new("task", "The task: repeat-copy, copy, adding, argmax, graph-traversal, shortest-path, inference or babi.", (o, v) => o with { Task = Choices.Parse<TaskKind>("task", v, Choices.Name) }, o => Choices.Name(o.Task)),
        IntFlag("hidden-size", "Size of LSTM hidden layer.", (o, v) => o with { HiddenSize = v }, o => o.HiddenSize),
        IntFlag("memory-size", "The number of memory slots.", (o, v) => o with { MemorySize = v }, o => o.MemorySize) with
            { Models = MemoryModels },
        IntFlag("word-size", "The width of each memory slot.", (o, v) => o with { WordSize = v }, o => o.WordSize) with
            { Models = MemoryModels },
        IntFlag("num-write-heads", "Number of memory write heads.", (o, v) => o with { NumWriteHeads = v }, o => o.NumWriteHeads) with
            { Models = MemoryModels },
        IntFlag("num-read-heads", "Number of memory read heads.", (o, v) => o with { NumReadHeads = v }, o => o.NumReadHeads) with
            { Models = MemoryModels },
        new("key-mask", "Masked content addressing of the read heads: each key masks the word before the lookup (Csordas & Schmidhuber 2019; a switch).",
            (o, _) => o with { KeyMask = true }, o => o.KeyMask ? "on" : "off") { Models = [ModelKind.Dnc], IsSwitch = true },
        new("read-before-write", "The read heads look up and read the memory before the step's write, not after it as in DeepMind's DNC (a switch).",
            (o, _) => o with { ReadBeforeWrite = true }, o => o.ReadBeforeWrite ? "on" : "off") { Models = [ModelKind.Dnc], IsSwitch = true },
        FloatFlag("clip-value", "Maximum absolute value of controller and dnc outputs (0 = no clipping).", (o, v) => o with { ClipValue = v }, o => o.ClipValue),
        new("controller", "The NTM's controller: lstm or feedforward.", (o, v) => o with { Controller = Choices.Parse<ControllerKind>("controller", v, Choices.Name) }, o => Choices.Name(o.Controller))
            { Models = [ModelKind.Ntm] },
        IntFlag("sparse-reads", "Memory rows each sparse read head reads (K).", (o, v) => o with { SparseReads = v }, o => o.SparseReads) with
            { Models = [ModelKind.Sam, ModelKind.Sdnc] },
        IntFlag("link-sparsity", "Sparse temporal link entries kept per row (K_L).", (o, v) => o with { LinkSparsity = v }, o => o.LinkSparsity) with
            { Models = [ModelKind.Sdnc] },
        new("index", "Nearest-neighbour search of the sparse reads: exact or forest (randomised k-d forest).",
            (o, v) => o with { Index = Choices.Parse<IndexKind>("index", v, Choices.Name) }, o => Choices.Name(o.Index)) { Models = [ModelKind.Sam, ModelKind.Sdnc] },
        FloatFlag("max-grad-norm", "Gradient clipping norm limit.", (o, v) => o with { MaxGradNorm = v }, o => o.MaxGradNorm),
        new("optimizer", "The optimizer: rmsprop (TensorFlow 1's, as train.py) or adam (beta1 0.9, beta2 0.999).",
            (o, v) => o with { Optimizer = Choices.Parse<OptimizerKind>("optimizer", v, Choices.Name) }, o => Choices.Name(o.Optimizer)),
        FloatFlag("learning-rate", "Optimizer learning rate.", (o, v) => o with { LearningRate = v }, o => o.LearningRate),
        FloatFlag("optimizer-epsilon", "Epsilon of the optimizer (added to the root mean square in the denominator).", (o, v) => o with { OptimizerEpsilon = v }, o => o.OptimizerEpsilon),
        IntFlag("num-bits", "Dimensionality of each vector to copy.", (o, v) => o with { NumBits = v }, o => o.NumBits) with { Tasks = BitTasks },
        IntFlag("input-size", "One-hot width of the digits and end marker (digits 0..size-2).", (o, v) => o with { InputSize = v }, o => o.InputSize) with
            { Tasks = DigitTasks },
        IntFlag("batch-size", "Batch size for training.", (o, v) => o with { BatchSize = v }, o => o.BatchSize),
        IntFlag("batch-shards", "Cut each batch into this many shards, unrolled and back-propagated on their own threads (results depend on the count, not on the cores).",
            (o, v) => o with { BatchShards = v }, o => o.BatchShards),
        IntFlag("min-length", "Lower limit on number of vectors (or digits) in the observation pattern.", (o, v) => o with { MinLength = v }, o => o.MinLength) with
            { Tasks = LengthTasks },
        IntFlag("max-length", "Upper limit on number of vectors (or digits) in the observation pattern.", (o, v) => o with { MaxLength = v }, o => o.MaxLength) with
            { Tasks = LengthTasks },
        IntFlag("min-repeats", "Lower limit on number of copy repeats.", (o, v) => o with { MinRepeats = v }, o => o.MinRepeats) with
            { Tasks = [TaskKind.RepeatCopy] },
        IntFlag("max-repeats", "Upper limit on number of copy repeats.", (o, v) => o with { MaxRepeats = v }, o => o.MaxRepeats) with
            { Tasks = [TaskKind.RepeatCopy] },
        new("data-dir", "Directory of bAbI files qaN_*_train.txt (and _valid.txt, _test.txt); see babi-generate for a generated set.",
            (o, v) => o with { DataDir = v }, o => o.DataDir ?? "") { Tasks = [TaskKind.Babi] },
        FloatFlag("pass-threshold", "Share of fully correct answers on a held-out batch that passes a lesson, in (0, 1].",
            (o, v) => o with { PassThreshold = v }, o => o.PassThreshold) with { Tasks = GraphTasks },
        IntFlag("evaluation-interval", "Steps between held-out evaluations of the current lesson.", (o, v) => o with { EvaluationInterval = v }, o => o.EvaluationInterval) with
            { Tasks = GraphTasks },
        IntFlag("evaluation-size", "Held-out questions per evaluation of the current lesson (drawn in batches of --batch-size).",
            (o, v) => o with { EvaluationSize = v }, o => o.EvaluationSize) with { Tasks = GraphTasks },
        IntFlag("planning-steps", "Steps with no input between the query and the answer.", (o, v) => o with { PlanningSteps = v }, o => o.PlanningSteps) with
            { Tasks = [TaskKind.ShortestPath, TaskKind.Inference] },
        IntFlag("num-training-iterations", "Number of iterations to train for.", (o, v) => o with { NumTrainingIterations = v }, o => o.NumTrainingIterations),
        IntFlag("report-interval", "Steps between reports (average training loss and metric, a sample episode); see --report-seconds.", (o, v) => o with { ReportInterval = v }, o => o.ReportInterval),
        new("checkpoint-dir", "Checkpointing directory, printed at start (empty string: no checkpoints; the digest is of the configuration).",
            (o, v) => o with { CheckpointDir = v }, _ => "./checkpoints/<model>-<task>-<digest>"),
        IntFlag("checkpoint-interval", "Checkpointing step interval (-1: only at the end and on Ctrl+C).", (o, v) => o with { CheckpointInterval = v }, o => o.CheckpointInterval),
        new("seed", "Seed of parameter initialisation and episode sampling.", (o, v) => o with { Seed = ParseULong("seed", v) }, o => o.Seed.ToString(CultureInfo.InvariantCulture)),
        new("viz", "Write an HTML page with memory heatmaps of one episode to this path.", (o, v) => o with { Viz = v }, o => o.Viz ?? "") { Models = MemoryModels },
        new("resume-from", "Resume exactly this checkpoint file (refused with an error if it fails a check).", (o, v) => o with { ResumeFrom = v }, o => o.ResumeFrom ?? ""),
        new("resume-newest-valid", "Resume the newest checkpoint that passes every check, listing the newer ones rejected and why (a switch).",
            (o, _) => o with { ResumeNewestValid = true }, o => o.ResumeNewestValid ? "on" : "off") { IsSwitch = true },
        IntFlag("max-non-finite-steps", "Stop (exit 3) after this many steps in a row with a non-finite loss or gradient, none of them applied.",
            (o, v) => o with { MaxNonFiniteSteps = v }, o => o.MaxNonFiniteSteps),
        new("report-seconds", "Least seconds between two reports, whatever the step rate (0: every --report-interval).",
            (o, v) => o with { ReportSeconds = ParseFloat("report-seconds", v) }, o => o.ReportSeconds.ToString(CultureInfo.InvariantCulture)),
        new("quiet", "No progress bar, reports or notes; errors only.", (o, _) => o with { Quiet = true },
            o => o.Quiet ? "true" : "false") { IsSwitch = true },
        new("log-file", "Append one JSON object per report (step, loss, metric, steps/s, lesson) to this file.", (o, v) => o with { LogFile = v }, o => o.LogFile ?? ""),
        new("plot", "Write learning curves (.png or .svg) of this run at the end (the whole --log-file when given).", (o, v) => o with { Plot = v }, o => o.Plot ?? ""),
    ];

    /// <summary>
    /// The settings a run of <paramref name="task"/> starts from: repeat copy's are DeepMind's (4 bits, length 1–2,
    /// repeats 1–2), copy's the NTM paper's (8 bits, length 1–20), adding's and argmax's the PyTorch library's
    /// (one-hot width 6, length 2–4). The graph tasks' memory holds the final traversal lesson's largest graph
    /// (40 nodes × 6 out-edges = 240 triples) in 256 rows, with a 128-unit controller (our choice, not the paper's sizes).
    /// </summary>
    public static TrainOptions Defaults(TaskKind task) => task switch
    {
        TaskKind.GraphTraversal or TaskKind.ShortestPath or TaskKind.Inference =>
            new TrainOptions { Task = task, MemorySize = 256, WordSize = 32, HiddenSize = 128 },
        TaskKind.Copy => new TrainOptions { Task = task, NumBits = 8, MinLength = 1, MaxLength = 20 },
        TaskKind.Adding or TaskKind.Argmax => new TrainOptions { Task = task, MinLength = 2, MaxLength = 4 },
        _ => new TrainOptions { Task = task },
    };

    /// <summary>
    /// Parses <c>--flag value</c> and <c>--flag=value</c> arguments and validates the result.
    /// </summary>
    /// <exception cref="UsageException">Unknown flag, missing or malformed value, or an inconsistent setting.</exception>
    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        var given = new List<(Flag Flag, string Value)>();
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
            if (flag.IsSwitch)
            {
                if (value is not null) throw new UsageException($"--{flag.Name} takes no value, got '{value}'");
                value = "";
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count) throw new UsageException($"--{flag.Name} needs a value");
                // `--num-bits --batch-size 4`: the next flag is not this one's value (a value starting with -- needs --flag=value).
                if (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2)
                    throw new UsageException($"--{flag.Name} needs a value, got the flag {args[i + 1]} (write --{flag.Name}=VALUE for a value starting with --)");
                value = args[++i];
            }
            given.Add((flag, value));
        }

        // The task decides the defaults of the other flags, so it is applied first.
        var options = new TrainOptions();
        foreach (var (flag, value) in given.Where(g => g.Flag.Name == "task")) options = flag.Apply(options, value);
        options = Defaults(options.Task);
        foreach (var (flag, value) in given) options = flag.Apply(options, value);
        if (!given.Any(g => g.Flag.Name == "checkpoint-dir"))
            options = options with { CheckpointDir = DefaultCheckpointDir(options) };
        foreach (var (flag, _) in given) CheckApplies(flag, options);
        options.Validate();
        return options;
    }

    /// <summary>
    /// Where checkpoints go unless <c>--checkpoint-dir</c> says otherwise: <c>./checkpoints/&lt;model&gt;-&lt;task&gt;-&lt;digest&gt;</c>,
    /// the digest being the first 8 hex digits of the SHA-256 of <see cref="ConfigurationJson"/>. Runs that may resume
    /// each other share a directory; any two configurations that would refuse each other's checkpoints get their own.
    /// </summary>
    public static string DefaultCheckpointDir(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        byte[] hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(options.ConfigurationJson()));
        return Path.Combine(".", "checkpoints", $"{Choices.Name(options.Model)}-{Choices.Name(options.Task)}-{Convert.ToHexStringLower(hash)[..8]}");
    }

    private static void CheckApplies(Flag flag, TrainOptions options)
    {
        if (flag.Tasks is { } tasks && !tasks.Contains(options.Task))
            throw new UsageException($"--{flag.Name} does not apply to --task {Choices.Name(options.Task)} " +
                                     $"(only to {string.Join(", ", tasks.Select(Choices.Name))})");
        if (flag.Models is { } models && !models.Contains(options.Model))
            throw new UsageException($"--{flag.Name} does not apply to --model {Choices.Name(options.Model)} " +
                                     $"(only to {string.Join(", ", models.Select(Choices.Name))})");
    }

    /// <summary>Whether the arguments ask for the help text.</summary>
    public static bool WantsHelp(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>The help text listing every flag with its default.</summary>
    public static string HelpText()
    {
        var defaults = new TrainOptions();
        var sb = new StringBuilder("Trains a memory-augmented core (DNC, NTM, SAM, SDNC) on an algorithmic task " +
                                   "(repeat copy, copy, adding, argmax), a graph task of the DNC paper (graph traversal, shortest path, inference) " +
                                   "or bAbI question answering.\n\nUsage: Dnc.Train [--flag value]...\n" +
                                   $"       Dnc.Train {Cli.BabiGenerateMode} --out DIR [--stories N] [--seed S]   (writes bAbI-style tasks 1, 2 and 6)\n" +
                                   $"       Dnc.Train {GraphEvaluation.Mode} --checkpoint DIR|FILE [--graph transit-map|family-tree] [--questions N] [--max-length L] [--seed S]\n" +
                                   "                 (a graph checkpoint's accuracy per question length on the built-in test graph)\n\n");
        foreach (var f in Flags)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  --{f.Name,-26}{f.Help}");
            if (f.Models is { } models) sb.Append(CultureInfo.InvariantCulture, $" [{string.Join(", ", models.Select(Choices.Name))}]");
            if (f.Tasks is { } tasks) sb.Append(CultureInfo.InvariantCulture, $" [{string.Join(", ", tasks.Select(Choices.Name))}]");
            sb.Append(CultureInfo.InvariantCulture, $" (default: {DefaultText(f.Show(defaults))}");
            // Flags whose default depends on the task list the other tasks' defaults.
            foreach (var task in (f.Tasks ?? Enum.GetValues<TaskKind>()).Where(t => t != defaults.Task))
            {
                string other = f.Show(Defaults(task));
                if (other != f.Show(defaults) && f.Name != "task")
                    sb.Append(CultureInfo.InvariantCulture, $"; {Choices.Name(task)}: {DefaultText(other)}");
            }
            sb.Append(")\n");
        }
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
        Positive("batch-shards", BatchShards);
        if (BatchShards > BatchSize) throw new UsageException($"--batch-shards ({BatchShards}) must not exceed --batch-size ({BatchSize})");
        Positive("min-length", MinLength);
        Positive("max-length", MaxLength);
        Positive("min-repeats", MinRepeats);
        Positive("max-repeats", MaxRepeats);
        if (!(PassThreshold > 0f && PassThreshold <= 1f))
            throw new UsageException($"--pass-threshold must be in (0, 1], got {PassThreshold.ToString(CultureInfo.InvariantCulture)}");
        Positive("evaluation-interval", EvaluationInterval);
        Positive("evaluation-size", EvaluationSize);
        NonNegative("planning-steps", PlanningSteps);
        if (Task == TaskKind.Babi && DataDir is null)
            throw new UsageException("--task babi needs --data-dir DIR with bAbI files qaN_*_train.txt (write generated ones with 'babi-generate --out DIR')");
        if (DataDir is { Length: 0 }) throw new UsageException("--data-dir needs a directory path");
        if (InputSize < 2) throw new UsageException($"--input-size must be at least 2 (digits and the end marker), got {InputSize}");
        Positive("sparse-reads", SparseReads);
        Positive("link-sparsity", LinkSparsity);
        if (MinLength > MaxLength) throw new UsageException($"--min-length ({MinLength}) must not exceed --max-length ({MaxLength})");
        if (MinRepeats > MaxRepeats) throw new UsageException($"--min-repeats ({MinRepeats}) must not exceed --max-repeats ({MaxRepeats})");
        if (NumTrainingIterations < 0) throw new UsageException($"--num-training-iterations must be 0 or more, got {NumTrainingIterations}");
        Positive("report-interval", ReportInterval);
        if (CheckpointInterval == 0 || CheckpointInterval < -1)
            throw new UsageException($"--checkpoint-interval must be positive or -1, got {CheckpointInterval}");
        if (Viz is { Length: 0 }) throw new UsageException("--viz needs a file path");
        if (ResumeFrom is { Length: 0 }) throw new UsageException("--resume-from needs a checkpoint file path");
        if (ResumeFrom is not null && ResumeNewestValid) throw new UsageException("--resume-from and --resume-newest-valid exclude each other; give one");
        if (ResumeNewestValid && !CheckpointsEnabled) throw new UsageException("--resume-newest-valid needs a --checkpoint-dir to search (it is empty)");
        Positive("max-non-finite-steps", MaxNonFiniteSteps);
        if (!Enum.IsDefined(Optimizer)) throw new UsageException($"--optimizer {(int)Optimizer} is not an optimizer");
        if (!Enum.IsDefined(Index)) throw new UsageException($"--index {(int)Index} is not an index");
        if (LogFile is { Length: 0 }) throw new UsageException("--log-file needs a file path");
        if (Plot is { Length: 0 }) throw new UsageException("--plot needs a file path");
        if (Plot is not null) CurvePlot.CheckFormat("--plot", Plot);
        NonNegative("report-seconds", ReportSeconds);
        if (ClipValue > 0 && DigitTasks.Contains(Task) && TaskRegistry.Create(this).Task is DigitSequenceTask digits && digits.LargestTarget > ClipValue)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--task {Choices.Name(Task)}: the largest target {digits.LargestTarget} (from --input-size {InputSize} and --max-length {MaxLength}) ") +
                string.Create(CultureInfo.InvariantCulture, $"exceeds --clip-value {ClipValue}, which bounds the model's output; ") +
                "lower --max-length or raise --clip-value (0: no clipping)");
        if (!Enum.IsDefined(Model)) throw new UsageException($"--model {(int)Model} is not a model");
    }

    /// <summary>
    /// A configuration written before <c>--model</c> and <c>--task</c> existed has neither key and means the DNC on repeat
    /// copy, and one written before <c>--optimizer</c> existed was trained with RMSProp: the values a saved configuration
    /// without them is compared as.
    /// </summary>
    /// <param name="model">The run's model: for SAM and SDNC a configuration written before <c>--index</c> existed used the exact search.</param>
    public static JsonObject LegacyConfigurationDefaults(ModelKind model = ModelKind.Dnc)
    {
        var defaults = new JsonObject { ["model"] = "dnc", ["task"] = "repeat-copy", ["optimizer"] = Choices.Name(OptimizerKind.RmsProp) };
        if (model is ModelKind.Sam or ModelKind.Sdnc) defaults["index"] = Choices.Name(IndexKind.Exact);
        return defaults;
    }

    /// <summary>
    /// The settings a checkpoint must agree with to be resumed: model and task (by name and by their settings),
    /// optimizer and seed (not the run length, intervals or paths). Keys are <c>train.py</c>'s flag names.
    /// </summary>
    public string ConfigurationJson()
    {
        var node = new JsonObject
        {
            ["model"] = Choices.Name(Model), ["task"] = Choices.Name(Task),
            ["hidden_size"] = HiddenSize, ["clip_value"] = ClipValue,
        };
        if (MemoryModels.Contains(Model))
        {
            node["memory_size"] = MemorySize;
            node["word_size"] = WordSize;
            node["num_write_heads"] = NumWriteHeads;
            node["num_read_heads"] = NumReadHeads;
        }
        // Settings of another model or task do not change this run, so they do not belong to its configuration.
        // Written only when on, so the configurations (and default checkpoint directories) of DeepMind's lookup stay as they were.
        if (Model == ModelKind.Dnc && KeyMask) node["key_mask"] = true;
        if (Model == ModelKind.Dnc && ReadBeforeWrite) node["read_before_write"] = true;
        if (Model == ModelKind.Ntm) node["controller"] = Choices.Name(Controller);
        if (Model is ModelKind.Sam or ModelKind.Sdnc)
        {
            node["sparse_reads"] = SparseReads;
            node["index"] = Choices.Name(Index);
        }
        if (Model == ModelKind.Sdnc) node["link_sparsity"] = LinkSparsity;
        node["optimizer"] = Choices.Name(Optimizer);
        node["max_grad_norm"] = MaxGradNorm;
        node["learning_rate"] = LearningRate;
        node["optimizer_epsilon"] = OptimizerEpsilon;
        if (Task is TaskKind.RepeatCopy or TaskKind.Copy) node["num_bits"] = NumBits;
        if (Task is TaskKind.Adding or TaskKind.Argmax) node["input_size"] = InputSize;
        node["batch_size"] = BatchSize;
        if (LengthTasks.Contains(Task))
        {
            node["min_length"] = MinLength;
            node["max_length"] = MaxLength;
        }
        // The lesson reached is in the checkpoint; what decides promotion and the episodes belongs to the configuration.
        if (GraphTasks.Contains(Task)) node["pass_threshold"] = PassThreshold;
        if (Task is TaskKind.ShortestPath or TaskKind.Inference) node["planning_steps"] = PlanningSteps;
        if (Task == TaskKind.Babi && DataDir is not null) node["data_dir"] = Path.GetFullPath(DataDir);
        if (Task == TaskKind.RepeatCopy)
        {
            node["min_repeats"] = MinRepeats;
            node["max_repeats"] = MaxRepeats;
        }
        node["seed"] = Seed;
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
