using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Differentiable Neural Computer core (DeepMind's <c>DNC</c>): an LSTM controller reads the input and the
/// previous read words, drives a <see cref="MemoryAccess"/>, and a linear layer maps the controller output and
/// the new read words to the output. Parameters: <c>dnc/lstm/{w_gates,b_gates}</c>,
/// <c>dnc/memory_access/&lt;head&gt;/{w,b}</c>, <c>dnc/output_linear/{w,b}</c>. The controller can be any
/// module that is an <see cref="IRnnCore{TState}"/> over <see cref="LstmState"/> (an LSTM variant).
/// </summary>
[Module]
public sealed partial class Dnc : Module, IRnnCore<DncState>
{
    private readonly Module controllerModule;
    private readonly IRnnCore<LstmState> controller;
    private readonly MemoryAccess access;
    private readonly Linear outputLinear;

    /// <summary>Creates the core with a Sonnet-1 LSTM controller of <see cref="DncOptions.HiddenSize"/>; default name <c>dnc</c>.</summary>
    public Dnc(DncOptions options, string? name = null) : this(options, new Lstm(options?.HiddenSize ?? 0), name)
    {
    }

    /// <summary>
    /// Creates the core around <paramref name="controller"/>, a module whose step maps [B, in + R·Wd] to an
    /// output [B, H'] with an (h, c) state; <see cref="DncOptions.HiddenSize"/> is then not used.
    /// </summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    public Dnc(DncOptions options, IRnnCore<LstmState> controller, string? name = null) : base(name)
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

    /// <summary>The controller core (an <see cref="Lstm"/> unless another was given).</summary>
    public IRnnCore<LstmState> Controller => controller;

    /// <summary>
    /// One step: input [B, in] (any trailing shape is flattened) and the previous state → output
    /// [B, OutputSize] and the new state.
    /// </summary>
    public (Tensor Output, DncState State) Step(Tensor input, DncState state)
    {
        int batch = input.Dim(0);
        var controllerInput = Tensor.Concat(-1, input.Reshape(batch, -1), state.AccessOutput.Reshape(batch, -1));
        var (controllerOutput, controllerState) = controller.Step(controllerInput, state.Controller);
        controllerOutput = Clip(controllerOutput);
        controllerState = controllerState.Map(Clip);

        var (readWords, accessState) = access.Step(controllerOutput, state.Access);

        var output = outputLinear.Forward(Tensor.Concat(-1, controllerOutput, readWords.Reshape(batch, -1)));
        return (Clip(output), new DncState(readWords, accessState, controllerState));
    }

    /// <summary>All zeros: read words [B, R, Wd], the access state and the LSTM state.</summary>
    public DncState InitialState(int batchSize) => new(
        Tensor.Zeros(batchSize, Options.NumReads, Options.WordSize), access.InitialState(batchSize), controller.InitialState(batchSize));

    private Tensor Clip(Tensor x) => Options.ClipValue > 0 ? Tensor.Clamp(x, -Options.ClipValue, Options.ClipValue) : x;
}
