using System.Text.RegularExpressions;
using Modules;
using Modules.Dnc;
using Modules.Dnc.Sparse;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain;

/// <summary>A core built for a run: the module (parameters, seeding), its unroll for the trainer and its memory hook.</summary>
/// <param name="Name">The <c>--model</c> name, e.g. <c>dnc</c>.</param>
/// <param name="Module">The core as a module.</param>
/// <param name="Sequence">The core unrolled over a batch, as the trainer takes it.</param>
/// <param name="Memory">The core's memory-access hook (for <c>--viz</c>); null for the memoryless <c>lstm</c> baseline.</param>
public sealed record TrainingModel(string Name, Module Module, ISequenceModel Sequence, IMemoryCore? Memory);

/// <summary>Builds the <c>--model</c> core, configured from the run's flags.</summary>
public static class ModelRegistry
{
    /// <summary>Creates and seeds the model with <paramref name="outputSize"/> outputs per step.</summary>
    /// <exception cref="UsageException">The model rejects its settings.</exception>
    public static TrainingModel Create(TrainOptions options, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            var model = options.Model switch
            {
                ModelKind.Ntm => Wrap("ntm", new Ntm(Sized(new NtmOptions
                {
                    OutputSize = outputSize,
                    Controller = options.Controller == ControllerKind.FeedForward ? NtmController.FeedForward : NtmController.Lstm,
                }, options))),
                ModelKind.Sam => Wrap("sam", new Sam(Sized(new SamOptions { OutputSize = outputSize, SparseReads = options.SparseReads, Index = Index(options) }, options))),
                ModelKind.Sdnc => Wrap("sdnc", new Sdnc(Sized(new SdncOptions
                {
                    OutputSize = outputSize,
                    SparseReads = options.SparseReads,
                    LinkSparsity = options.LinkSparsity,
                    Index = Index(options),
                }, options))),
                ModelKind.Lstm => Baseline(new LstmBaseline(options.HiddenSize, outputSize, options.ClipValue)),
                _ => Wrap(options.ReadBeforeWrite ? "dnc (read before write)" : "dnc", new Dnc(Sized(new DncOptions
                {
                    OutputSize = outputSize,
                    KeyMask = options.KeyMask,
                    ReadBeforeWrite = options.ReadBeforeWrite,
                }, options))),
            };
            model.Module.Seed(options.Seed);
            return model;
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--model {Choices.Name(options.Model)}: {FlagMessage(e)}");
        }
    }

    // The options' property names and the flags that set them.
    private static readonly Dictionary<string, string> FlagOf = new(StringComparer.Ordinal)
    {
        ["HiddenSize"] = "--hidden-size", ["MemorySize"] = "--memory-size", ["WordSize"] = "--word-size",
        ["NumReads"] = "--num-read-heads", ["NumWrites"] = "--num-write-heads", ["ClipValue"] = "--clip-value",
        ["SparseReads"] = "--sparse-reads", ["LinkSparsity"] = "--link-sparsity", ["Index"] = "--index", ["Controller"] = "--controller",
    };

    /// <summary>
    /// A core's option error in the command line's words: <c>SamOptions.SparseReads: must be in [1, MemorySize = 8], got 9
    /// (Parameter 'SparseReads')</c> becomes <c>--sparse-reads: must be in [1, --memory-size = 8], got 9</c>.
    /// </summary>
    /// <param name="e">The exception a core's options threw.</param>
    public static string FlagMessage(ArgumentException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string message = e.ParamName is { } param ? e.Message.Replace($" (Parameter '{param}')", "", StringComparison.Ordinal) : e.Message;
        message = Regex.Replace(message, @"\b(?:\w+Options\.)?([A-Z]\w*)\b", m => FlagOf.TryGetValue(m.Groups[1].Value, out var flag) ? flag : m.Value);
        return message.ReplaceLineEndings(" ");
    }

    private static TrainingModel Baseline(LstmBaseline core) => new("lstm", core, SequenceModel.FromCore(core), null);

    private static INearestNeighbours Index(TrainOptions options) =>
        options.Index == IndexKind.Forest ? new RandomisedKdForest() : ExactNearestNeighbours.Instance;

    private static TrainingModel Wrap<TState, TController, TAccess>(string name, MemoryCore<TState, TController, TAccess> core)
        where TState : struct, IState<TState>
        where TController : struct, IState<TController>
        where TAccess : struct, IState<TAccess> =>
        new(name, core, SequenceModel.FromCore(core), core);

    /// <summary>The sizes every core shares, from the run's flags (a copy of <paramref name="core"/>, same type).</summary>
    private static T Sized<T>(T core, TrainOptions options) where T : MemoryCoreOptions => (T)((MemoryCoreOptions)core with
    {
        HiddenSize = options.HiddenSize,
        MemorySize = options.MemorySize,
        WordSize = options.WordSize,
        NumReads = options.NumReadHeads,
        NumWrites = options.NumWriteHeads,
        ClipValue = options.ClipValue,
    });
}

/// <summary>
/// The memoryless baseline of <c>--model lstm</c>: the DNC's controller and output layer without the memory, an
/// <see cref="Lstm"/> of <c>--hidden-size</c> units whose state is clipped to <c>--clip-value</c> as the DNC's is, and
/// <c>output_linear</c> mapping its output <c>[B, H]</c> to <c>[B, OutputSize]</c> (clipped likewise).
/// </summary>
[Module]
public sealed partial class LstmBaseline : Module, IRnnCore<LstmState>
{
    private readonly Lstm lstm;
    private readonly Linear outputLinear;
    private readonly float clip;

    /// <summary>Creates the core.</summary>
    /// <param name="hiddenSize">H, the LSTM's units.</param>
    /// <param name="outputSize">Outputs per step.</param>
    /// <param name="clipValue">Bound on the LSTM state and the output; 0: none.</param>
    /// <param name="name">The module's name; by default <c>lstm_baseline</c>.</param>
    public LstmBaseline(int hiddenSize, int outputSize, float clipValue, string? name = null) : base(name)
    {
        lstm = new Lstm(hiddenSize);
        outputLinear = new Linear(outputSize, "output_linear");
        clip = Math.Max(clipValue, 0f);
    }

    /// <summary>One step: <paramref name="input"/> <c>[B, in]</c> gives the logits <c>[B, OutputSize]</c> and the next state (<c>[B, H]</c> each).</summary>
    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state)
    {
        var (hidden, next) = lstm.Step(input, state, clip);
        return (outputLinear.ForwardConcat([hidden], clip), next);
    }

    /// <summary>Zeros <c>[B, H]</c>.</summary>
    public LstmState InitialState(int batchSize) => lstm.InitialState(batchSize);
}
