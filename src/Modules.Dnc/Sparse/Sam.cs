using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// Sparse Access Memory (Rae et al. 2016, "Scaling Memory-Augmented Neural Networks with Sparse Reads and Writes") as a
/// recurrent core: an LSTM reads the input and the previous read words; its output (clipped) drives a
/// <see cref="SparseMemoryAccess"/>, whose heads each read the K rows nearest their key and whose write goes to the rows read
/// last step and the least recently used row; <c>output_linear</c> maps the controller output and the read words to the
/// output (clipped). The backward pass of a step visits the rows it touched, not the memory (see <see cref="RowStore"/>).
/// </summary>
/// <remarks>
/// Parameters: <c>sam/lstm/{w_gates,b_gates}</c>,
/// <c>sam/memory_access/{read_keys,read_strengths,write_vector,erase_vector,write_gate,interpolation_gate}/{w,b}</c>,
/// <c>sam/output_linear/{w,b}</c>. State: <see cref="SamState"/>; its memory is updated in place, so a state can be stepped
/// from once (a second step from it throws).
/// </remarks>
[Module]
public sealed partial class Sam : Module, IRnnCore<SamState>
{
    private readonly Lstm controller;
    private readonly SparseMemoryAccess access;
    private readonly Linear outputLinear;

    /// <summary>Creates the core from validated <paramref name="options"/>; default name <c>sam</c>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SamOptions.Validate"/>).</exception>
    public Sam(SamOptions options, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        controller = new Lstm(options.HiddenSize);
        access = new SparseMemoryAccess(options.MemorySize, options.WordSize, options.NumReads, options.SparseReads, 0,
            options.UsageThreshold, options.Index);
        outputLinear = new Linear(options.OutputSize, "output_linear");
    }

    /// <summary>The configuration.</summary>
    public SamOptions Options { get; }

    /// <summary>The sparse memory access.</summary>
    public SparseMemoryAccess Access => access;

    /// <summary>When set, each step reports detached dense write weights [B, 1, N], read weights [B, R, N] and usage (steps since last use) [B, N].</summary>
    public Action<MemoryTrace>? Trace { get => access.Trace; set => access.Trace = value; }

    /// <summary>One step: input [B, in] (trailing dimensions flattened) and the previous state → output [B, OutputSize] and the new state.</summary>
    public (Tensor Output, SamState State) Step(Tensor input, SamState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 1) throw new ShapeMismatchException($"{Path}: input must be [B, in], got a scalar");
        int batch = input.Dim(0);
        if (state.AccessOutput.Rank != 3 || state.AccessOutput.Dim(0) != batch)
            throw new ShapeMismatchException(
                $"{Path}: previous read words must be [{batch}, {Options.NumReads}, {Options.WordSize}], got [{string.Join(", ", state.AccessOutput.ShapeArray())}]");
        var controllerInput = Tensor.Concat(-1, input.Reshape(batch, -1), state.AccessOutput.Reshape(batch, -1));
        var (controllerOutput, controllerState) = controller.Step(controllerInput, state.Controller);
        controllerOutput = Clip(controllerOutput);
        controllerState = controllerState.Map(Clip);
        var (readWords, accessState) = access.Step(controllerOutput, state.Access);
        var output = outputLinear.Forward(Tensor.Concat(-1, controllerOutput, readWords.Reshape(batch, -1)));
        return (Clip(output), new SamState(readWords, accessState, controllerState));
    }

    /// <summary>Zero read words [B, R, Wd], the access's initial state and a zero LSTM state.</summary>
    public SamState InitialState(int batchSize) =>
        new(Tensor.Zeros(batchSize, Options.NumReads, Options.WordSize), access.InitialState(batchSize), controller.InitialState(batchSize));

    private Tensor Clip(Tensor x) => Options.ClipValue > 0 ? Tensor.Clamp(x, -Options.ClipValue, Options.ClipValue) : x;
}
