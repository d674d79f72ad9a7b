using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The Sparse Differentiable Neural Computer (Rae et al. 2016): <see cref="Sam"/>'s sparse reads and writes plus a sparse
/// temporal link (<see cref="SparseLinkState"/>: K_L entries per row and per column). Each head reads K rows by content, K
/// along the link forward and K backward from the rows it read last step, mixed by read modes as in the DNC.
/// </summary>
/// <remarks>
/// Parameters: <c>sdnc/lstm/{w_gates,b_gates}</c>,
/// <c>sdnc/memory_access/{read_keys,read_strengths,write_vector,erase_vector,write_gate,interpolation_gate,read_mode}/{w,b}</c>,
/// <c>sdnc/output_linear/{w,b}</c>. State: <see cref="SdncState"/> (memory and link updated in place: a state can be stepped
/// from once). Gradients flow as in the DNC through the rows read and written, the read weights, the read modes and the link
/// and precedence values, which are kept like the memory rows (see <see cref="RowStore"/>): a step's graph holds only the link
/// rows and columns it changed or read, never an [N, N] or [N, K_L] tensor.
/// </remarks>
[Module]
public sealed partial class Sdnc : Module, IRnnCore<SdncState>
{
    private readonly Lstm controller;
    private readonly SparseMemoryAccess access;
    private readonly Linear outputLinear;

    /// <summary>Creates the core from validated <paramref name="options"/>; default name <c>sdnc</c>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SdncOptions.Validate"/>).</exception>
    public Sdnc(SdncOptions options, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        controller = new Lstm(options.HiddenSize);
        access = new SparseMemoryAccess(options.MemorySize, options.WordSize, options.NumReads, options.SparseReads, options.LinkSparsity,
            options.UsageThreshold, options.Index);
        outputLinear = new Linear(options.OutputSize, "output_linear");
    }

    /// <summary>The configuration.</summary>
    public SdncOptions Options { get; }

    /// <summary>The sparse memory access with links.</summary>
    public SparseMemoryAccess Access => access;

    /// <summary>When set, each step reports detached dense write weights [B, 1, N], read weights [B, R, N] and usage (steps since last use) [B, N].</summary>
    public Action<MemoryTrace>? Trace { get => access.Trace; set => access.Trace = value; }

    /// <summary>One step: input [B, in] (trailing dimensions flattened) and the previous state → output [B, OutputSize] and the new state.</summary>
    public (Tensor Output, SdncState State) Step(Tensor input, SdncState state)
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
        var (readWords, accessState, links) = access.Step(controllerOutput, state.Access, state.Links);
        var output = outputLinear.Forward(Tensor.Concat(-1, controllerOutput, readWords.Reshape(batch, -1)));
        return (Clip(output), new SdncState(readWords, accessState, links, controllerState));
    }

    /// <summary>Zero read words [B, R, Wd], the access's initial state, an empty link and a zero LSTM state.</summary>
    public SdncState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, Options.NumReads, Options.WordSize),
        access.InitialState(batchSize), access.InitialLinks(batchSize), controller.InitialState(batchSize));

    private Tensor Clip(Tensor x) => Options.ClipValue > 0 ? Tensor.Clamp(x, -Options.ClipValue, Options.ClipValue) : x;
}
