using Modules.Dnc.Access;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// What <see cref="Dnc"/> and <see cref="Dnc{TControllerState}"/> share: the controller, the <see cref="MemoryAccess"/>
/// and the output layer, and one step of DeepMind's <c>DNC._build</c>. The controller reads the input and the previous
/// read words, its output (clipped) drives the memory access, and <c>output_linear</c> maps the controller output and
/// the new read words to the output (clipped). Parameters appear in that order: the controller's under its own name
/// (<c>dnc/lstm/…</c>), <c>dnc/memory_access/&lt;head&gt;/{w,b}</c>, <c>dnc/output_linear/{w,b}</c>.
/// </summary>
/// <typeparam name="TControllerState">The controller's state.</typeparam>
[Module]
public abstract partial class DncBase<TControllerState> : Module
    where TControllerState : struct, IState<TControllerState>
{
    private readonly Module controllerModule;
    private readonly IRnnCore<TControllerState> controller;
    private readonly MemoryAccess access;
    private readonly Linear outputLinear;

    /// <summary>Builds the submodules around <paramref name="controller"/>, which must be a <see cref="Module"/>.</summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    private protected DncBase(DncOptions options, IRnnCore<TControllerState> controller, string? name) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(controller);
        Options = options;
        controllerModule = controller as Module
            ?? throw new ArgumentException($"Dnc: the controller must be a Module so its parameters are found, got {controller.GetType().Name}", nameof(controller));
        this.controller = controller;
        access = new MemoryAccess(options.MemorySize, options.WordSize, options.NumReads, options.NumWrites);
        outputLinear = new Linear(options.OutputSize, "output_linear");
    }

    /// <summary>The configuration.</summary>
    public DncOptions Options { get; }

    /// <summary>The memory access module (set its <see cref="MemoryAccess.Trace"/> to observe every step).</summary>
    public MemoryAccess Access => access;

    /// <summary>The controller core.</summary>
    public IRnnCore<TControllerState> Controller => controller;

    /// <summary>
    /// One step: input [B, in] (any trailing shape is flattened), previous read words [B, R, Wd], access and controller
    /// states → output [B, OutputSize], read words [B, R, Wd] and the new access and controller states. Clipping (when
    /// <see cref="MemoryCoreOptions.ClipValue"/> &gt; 0) applies to the controller output, to every tensor of the controller
    /// state, and to the output.
    /// </summary>
    private protected (Tensor Output, Tensor ReadWords, AccessState Access, TControllerState Controller) Advance(
        Tensor input, Tensor previousReadWords, AccessState previousAccess, TControllerState previousController)
    {
        ArgumentNullException.ThrowIfNull(input);
        var controllerInput = FlatConcat.Rows(input, previousReadWords);   // [B, in + R·Wd]
        Tensor controllerOutput;
        TControllerState controllerState;
        if (controller is Lstm lstm && previousController is LstmState lstmState)
        {
            // The LSTM clips its output (= hidden state) and cell in the same op.
            var (hidden, state) = lstm.Step(controllerInput, lstmState, Math.Max(Options.ClipValue, 0f));
            controllerOutput = hidden;
            controllerState = (TControllerState)(object)state;
        }
        else
        {
            var (rawOutput, rawState) = controller.Step(controllerInput, previousController);
            controllerOutput = Clip(rawOutput);
            // A core whose output is one of its state tensors: clip that tensor once and use the result in both places.
            controllerState = rawState.Map(t => ReferenceEquals(t, rawOutput) ? controllerOutput : Clip(t));
        }

        var (readWords, accessState) = access.Step(controllerOutput, previousAccess);

        // output_linear over [h, flattened read words], clipped: one op.
        var output = outputLinear.ForwardConcat([controllerOutput, readWords], Math.Max(Options.ClipValue, 0f));
        return (output, readWords, accessState, controllerState);
    }

    /// <summary>Zero read words [B, R, Wd], the access module's zero state and the controller's initial state.</summary>
    private protected (Tensor ReadWords, AccessState Access, TControllerState Controller) InitialParts(int batchSize) => (
        Tensor.Zeros(batchSize, Options.NumReads, Options.WordSize), access.InitialState(batchSize), controller.InitialState(batchSize));

    private Tensor Clip(Tensor x) => Options.ClipValue > 0 ? Tensor.Clamp(x, -Options.ClipValue, Options.ClipValue) : x;
}
