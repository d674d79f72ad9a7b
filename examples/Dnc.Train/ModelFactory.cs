using Modules.Dnc;
using Modules.Dnc.Sparse;

namespace DncTrain;

/// <summary>Builds the <c>--model</c> core, configured from the run's flags, behind an <see cref="IModelRunner"/>.</summary>
public static class ModelFactory
{
    /// <summary>Whether this build contains <paramref name="model"/>.</summary>
    public static bool IsAvailable(ModelKind model) => Enum.IsDefined(model);

    /// <summary>Creates and seeds the model with <paramref name="outputSize"/> outputs per step.</summary>
    /// <exception cref="UsageException">The model is not in this build or rejects its settings.</exception>
    public static IModelRunner Create(TrainOptions options, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            var runner = options.Model switch
            {
                ModelKind.Dnc => CreateDnc(options, outputSize),
                ModelKind.Ntm => CreateNtm(options, outputSize),
                ModelKind.Sam => CreateSam(options, outputSize),
                ModelKind.Sdnc => CreateSdnc(options, outputSize),
                _ => throw new UsageException($"--model {Choices.Name(options.Model)} is not available in this build"),
            };
            runner.Module.Seed(options.Seed);
            return runner;
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--model {Choices.Name(options.Model)}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>The DNC the way <c>train.py</c> configures it (DeepMind's defaults for repeat copy), not yet seeded.</summary>
    public static Dnc CreateDncCore(TrainOptions options, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Dnc(Sized(new DncOptions { OutputSize = outputSize }, options));
    }

    // The DNC reports its access through MemoryAccess.Trace; its read modes get a panel of their own.
    private static IModelRunner CreateDnc(TrainOptions options, int outputSize)
    {
        var dnc = CreateDncCore(options, outputSize);
        return CoreRunner.Create("dnc", dnc, dnc, trace =>
        {
            dnc.Access.Trace = step =>
            {
                trace.Add(new MemoryTrace(step.WriteWeights, step.ReadWeights, step.Usage));
                trace.AddReadModes(step.ReadModes);
            };
            return () => dnc.Access.Trace = null;
        });
    }

    private static IModelRunner CreateNtm(TrainOptions options, int outputSize)
    {
        var ntmOptions = Sized(new NtmOptions
        {
            OutputSize = outputSize,
            Controller = options.Controller == ControllerKind.FeedForward ? NtmController.FeedForward : NtmController.Lstm,
        }, options);
        var ntm = new Ntm(ntmOptions);
        return CoreRunner.WithTraceProperty("ntm", ntm, ntm, trace => ntm.Trace = trace);
    }

    private static IModelRunner CreateSam(TrainOptions options, int outputSize)
    {
        var samOptions = Sized(new SamOptions
        {
            OutputSize = outputSize,
            SparseReads = options.SparseReads,
        }, options);
        var sam = new Sam(samOptions);
        return CoreRunner.WithTraceProperty("sam", sam, sam, trace => sam.Trace = trace);
    }

    private static IModelRunner CreateSdnc(TrainOptions options, int outputSize)
    {
        var sdncOptions = Sized(new SdncOptions
        {
            OutputSize = outputSize,
            SparseReads = options.SparseReads,
            LinkSparsity = options.LinkSparsity,
        }, options);
        var sdnc = new Sdnc(sdncOptions);
        return CoreRunner.WithTraceProperty("sdnc", sdnc, sdnc, trace => sdnc.Trace = trace);
    }

    /// <summary>The sizes every core shares, from the DNC's flags (a copy of <paramref name="core"/>, same type).</summary>
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
