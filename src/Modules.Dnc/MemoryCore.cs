using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The one skeleton of every memory core: each step the controller reads the input and the previous read words, its
/// output (clipped) drives the memory access, and <c>output_linear</c> maps the controller output and the new read words
/// to the output (clipped). <see cref="Dnc"/>, <see cref="Ntm"/>, <c>Sam</c> and <c>Sdnc</c> are configurations of it
/// that keep their own state types; <see cref="MemoryCore{TController, TAccess}"/> is the same skeleton for any
/// controller and any <see cref="IMemoryAccess{TState}"/> of your own.
/// </summary>
/// <typeparam name="TState">The core's state.</typeparam>
/// <typeparam name="TController">The controller's state.</typeparam>
/// <typeparam name="TAccess">The access's state.</typeparam>
/// <remarks>
/// Clipping (when <see cref="MemoryCoreOptions.ClipValue"/> &gt; 0) applies to the controller output, to every tensor of the
/// controller state and to the output; a controller that implements <see cref="IClippingRnnCore{TState}"/> clips inside
/// its own step. Parameters are created in the order of the step: the controller's, the access's, <c>output_linear</c>'s.
/// </remarks>
[Module]
public abstract partial class MemoryCore<TState, TController, TAccess> : Module, IRnnCore<TState>, IMemoryCore
    where TState : struct, IState<TState>
    where TController : struct, IState<TController>
    where TAccess : struct, IState<TAccess>
{
    private readonly Module[] controllerModules;
    private readonly Module[] accessModules;
    private readonly IRnnCore<TController> controller;
    private readonly IMemoryAccess<TAccess> access;
    private readonly Linear outputLinear;
    private readonly float clip;
    private int? inputSize;

    /// <summary>
    /// Builds the skeleton. The controller and the access are its submodules; a part that is not a module itself but a
    /// view over modules (<see cref="IModuleParts"/>: the NTM's heads and feed-forward layer, which keep their historical
    /// parameter paths) has those modules registered in its place.
    /// </summary>
    private protected MemoryCore(MemoryCoreOptions options, IRnnCore<TController> controller, IMemoryAccess<TAccess> access, string? name)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(access);
        controllerModules = ModulesOf(controller);
        accessModules = ModulesOf(access);
        this.controller = controller;
        this.access = access;
        outputLinear = new Linear(options.OutputSize, "output_linear");
        clip = Math.Max(options.ClipValue, 0f);
    }

    /// <summary>The controller core.</summary>
    public IRnnCore<TController> Controller => controller;

    /// <summary>The output layer, [H + R·Wd] → [OutputSize].</summary>
    public Linear OutputLinear => outputLinear;

    /// <inheritdoc/>
    public Action<MemoryTrace>? Trace
    {
        get => access.Trace;
        set => access.Trace = value;
    }

    /// <summary>
    /// One step: input [B, in] (any trailing shape is flattened) and the previous state → output [B, OutputSize] and the
    /// new state.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The input or the previous read words have the wrong shape (the message names the module path).</exception>
    public (Tensor Output, TState State) Step(Tensor input, TState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (previousReadWords, previousAccess, previousController) = Split(state);
        if (input.Rank < 2)
            throw new ShapeMismatchException(Path, "input", [-1, -1], input.Shape, " ([B, in], at least two dimensions)");
        int batch = input.Dim(0);
        if (previousReadWords.Rank != 3 || previousReadWords.Dim(0) != batch || previousReadWords.Dim(1) != access.NumReads
            || previousReadWords.Dim(2) != access.WordSize)
            throw new ShapeMismatchException(Path, "previous read words", [batch, access.NumReads, access.WordSize], previousReadWords.Shape);
        int features = batch == 0 ? 0 : input.Size / batch;
        if (inputSize is { } connected && features != connected)
            throw new ShapeMismatchException(Path, "input", [batch, connected], input.Shape);

        var controllerInput = FlatConcat.Rows(input, previousReadWords);   // [B, in + R·Wd]
        var (controllerOutput, controllerState) = StepController(controllerInput, previousController);
        var (readWords, accessState) = access.Step(controllerOutput, previousAccess);
        // output_linear over [h, flattened read words], clipped: one op.
        var output = outputLinear.ForwardConcat([controllerOutput, readWords], clip);
        inputSize ??= features;
        return (output, Compose(readWords, accessState, controllerState));
    }

    /// <summary>The access's initial read words and state and the controller's initial state.</summary>
    public TState InitialState(int batchSize) =>
        Compose(access.InitialReadWords(batchSize), access.InitialState(batchSize), controller.InitialState(batchSize));

    /// <summary>Builds the core's state from its three parts.</summary>
    private protected abstract TState Compose(Tensor readWords, TAccess access, TController controller);

    /// <summary>Takes the core's state apart: read words [B, R, Wd], the access's state, the controller's state.</summary>
    private protected abstract (Tensor ReadWords, TAccess Access, TController Controller) Split(TState state);

    private (Tensor Output, TController State) StepController(Tensor input, TController previous)
    {
        if (controller is IClippingRnnCore<TController> clipping) return clipping.Step(input, previous, clip);
        var (rawOutput, rawState) = controller.Step(input, previous);
        if (clip <= 0f) return (rawOutput, rawState);
        var output = Clip(rawOutput);
        // A core whose output is one of its state tensors: clip that tensor once and use the result in both places.
        return (output, rawState.Map(t => ReferenceEquals(t, rawOutput) ? output : Clip(t)));
    }

    private Tensor Clip(Tensor x) => Tensor.Clamp(x, -clip, clip);

    private static Module[] ModulesOf(object part) => part switch
    {
        Module module => [module],
        IModuleParts parts => [.. parts.Modules],
        _ => [],
    };
}

/// <summary>A controller or access that is not a module itself but a view over modules the core should own directly.</summary>
internal interface IModuleParts
{
    /// <summary>The modules, in the order their parameters are listed.</summary>
    IReadOnlyList<Module> Modules { get; }
}

/// <summary>
/// A memory core from any controller and any memory access: <c>new MemoryCore&lt;LstmState, MyAccessState&gt;(options,
/// new Lstm(64), new MyAccess(…))</c>. Each step is <see cref="MemoryCore{TState, TController, TAccess}"/>'s; the state
/// is <see cref="MemoryCoreState{TController, TAccess}"/>. Default name <c>memory_core</c>; parameters
/// <c>memory_core/&lt;controller&gt;/…</c>, <c>memory_core/&lt;access&gt;/…</c>, <c>memory_core/output_linear/{w,b}</c>.
/// </summary>
/// <typeparam name="TController">The controller's state.</typeparam>
/// <typeparam name="TAccess">The access's state.</typeparam>
[Module]
public sealed partial class MemoryCore<TController, TAccess> : MemoryCore<MemoryCoreState<TController, TAccess>, TController, TAccess>
    where TController : struct, IState<TController>
    where TAccess : struct, IState<TAccess>
{
    /// <summary>Creates the core; only <see cref="MemoryCoreOptions.OutputSize"/> and <see cref="MemoryCoreOptions.ClipValue"/> of <paramref name="options"/> are used.</summary>
    /// <exception cref="ArgumentException">The controller or the access is not a <see cref="Module"/> (its parameters would not be found).</exception>
    public MemoryCore(MemoryCoreOptions options, IRnnCore<TController> controller, IMemoryAccess<TAccess> access, string? name = null)
        : base(options, RequireModule(controller, nameof(controller)), RequireModule(access, nameof(access)), name)
    {
        Access = access;
    }

    /// <summary>The memory access.</summary>
    public IMemoryAccess<TAccess> Access { get; }

    private protected override MemoryCoreState<TController, TAccess> Compose(Tensor readWords, TAccess access, TController controller) =>
        new(readWords, access, controller);

    private protected override (Tensor ReadWords, TAccess Access, TController Controller) Split(MemoryCoreState<TController, TAccess> state) =>
        (state.AccessOutput, state.Access, state.Controller);

    private static T RequireModule<T>(T part, string name) where T : class =>
        part is Module || part is null ? part! : throw new ArgumentException($"MemoryCore: the {name} must be a Module so its parameters are found, got {part.GetType().Name}", name);
}

/// <summary>The state of a <see cref="MemoryCore{TController, TAccess}"/>.</summary>
/// <typeparam name="TController">The controller's state.</typeparam>
/// <typeparam name="TAccess">The access's state.</typeparam>
/// <param name="AccessOutput">The previous read words, [B, R, Wd].</param>
/// <param name="Access">The access's state.</param>
/// <param name="Controller">The controller's state.</param>
[State]
public readonly partial record struct MemoryCoreState<TController, TAccess>(Tensor AccessOutput, TAccess Access, TController Controller)
    where TController : struct, IState<TController>
    where TAccess : struct, IState<TAccess>;

/// <summary>What every memory core offers beyond <see cref="IRnnCore{TState}"/>: an explicit hook on its memory access.</summary>
public interface IMemoryCore
{
    /// <summary>When set, called after every step with what the access did (detached tensors), for visualisation.</summary>
    Action<MemoryTrace>? Trace { get; set; }
}
