using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Neural Turing Machine core (Graves et al. 2014): the <see cref="MemoryCore{TState, TController, TAccess}"/>
/// skeleton with an LSTM or feed-forward controller and the NTM's heads as its memory access. Each step the controller
/// reads the input and the previous read words; the write heads address the previous memory and erase then add; the read
/// heads address the new memory and read; <c>output_linear</c> maps the controller output and the new read words to the
/// output logits. Every head addresses by content, interpolates with its previous weights, shifts by {−1, 0, +1} and
/// sharpens (<see cref="NtmAddressing"/>).
/// </summary>
/// <remarks>
/// <para>Parameter paths (default name <c>ntm</c>), in this order:
/// <c>ntm/lstm/{w_gates,b_gates}</c> (LSTM controller) or <c>ntm/feed_forward/{w,b}</c> (feed-forward controller);
/// <c>ntm/write_heads/{keys,strengths,gates,shifts,sharpening,erase_vectors,add_vectors}/{w,b}</c>;
/// <c>ntm/read_heads/{keys,strengths,gates,shifts,sharpening}/{w,b}</c>; <c>ntm/output_linear/{w,b}</c>.
/// Linear weights are [in, out]; the head layers take the controller output [B, H]. The heads and the feed-forward layer
/// are the core's own children (the access and the feed-forward controller wrap them without adding a level), so the
/// paths are those of checkpoints written by earlier versions.</para>
/// <para>Order within a step: write before read, so a read sees what this step wrote (the paper reads M_t, the memory after
/// step t's writes) and the order matches the DNC's. Initial state (<see cref="MemoryCore{TState, TController, TAccess}.InitialState"/>):
/// memory filled with <see cref="NtmMemory.InitialValue"/>, read and write weights focused on row 0, read words the row-0
/// read of that memory, controller zeros.</para>
/// </remarks>
[Module]
public sealed partial class Ntm : MemoryCore<NtmState, LstmState, NtmAccessState>
{
    /// <summary>Creates an unconnected core; parameters are created on the first step.</summary>
    /// <param name="options">The configuration (validated here).</param>
    /// <param name="name">The module's name; by default <c>ntm</c>.</param>
    /// <exception cref="ArgumentException">An option is out of range (<see cref="NtmOptions.Validate"/>).</exception>
    public Ntm(NtmOptions options, string? name = null) : this(NtmParts.Create(options), name)
    {
    }

    private Ntm(NtmParts parts, string? name) : base(parts.Options, parts.Controller, parts.Access, name)
    {
        Options = parts.Options;
        WriteHeads = parts.Access.WriteHeads;
        ReadHeads = parts.Access.ReadHeads;
    }

    /// <summary>The configuration.</summary>
    public NtmOptions Options { get; }

    /// <summary>The size of the output per step.</summary>
    public int OutputSize => Options.OutputSize;

    /// <summary>The write heads (<c>ntm/write_heads</c>).</summary>
    public NtmHeads WriteHeads { get; }

    /// <summary>The read heads (<c>ntm/read_heads</c>).</summary>
    public NtmHeads ReadHeads { get; }

    private protected override NtmState Compose(Tensor readWords, NtmAccessState access, LstmState controller) =>
        new(controller, access.Memory, access.ReadWeights, access.WriteWeights, readWords);

    private protected override (Tensor ReadWords, NtmAccessState Access, LstmState Controller) Split(NtmState state) =>
        (state.ReadWords, new NtmAccessState(state.Memory, state.ReadWeights, state.WriteWeights), state.Controller);

    /// <summary>The controller and the access an <see cref="Ntm"/> is built from.</summary>
    private sealed record NtmParts(NtmOptions Options, IRnnCore<LstmState> Controller, NtmAccess Access)
    {
        public static NtmParts Create(NtmOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            var access = new NtmAccess(options);
            IRnnCore<LstmState> controller = options.Controller == NtmController.Lstm
                ? new Lstm(options.HiddenSize)
                : new NtmFeedForwardController(new Linear(options.HiddenSize, "feed_forward"), options.HiddenSize, options.FeedForwardActivation);
            return new(options, controller, access);
        }
    }
}

/// <summary>The state of the NTM's memory access.</summary>
/// <param name="Memory">M, [B, N, Wd].</param>
/// <param name="ReadWeights">The read heads' weights, [B, R, N]; each row sums to 1.</param>
/// <param name="WriteWeights">The write heads' weights, [B, W, N]; each row sums to 1.</param>
[State]
public readonly partial record struct NtmAccessState(Tensor Memory, Tensor ReadWeights, Tensor WriteWeights);

/// <summary>
/// The NTM's memory access: the write heads address the previous memory and erase then add, the read heads address the
/// new memory and read. Not a module itself: its heads are the <see cref="Ntm"/>'s children, which keeps their paths.
/// </summary>
internal sealed class NtmAccess : IMemoryAccess<NtmAccessState>, IModuleParts
{
    private readonly NtmOptions options;

    public NtmAccess(NtmOptions options)
    {
        this.options = options;
        WriteHeads = new NtmHeads(options.NumWrites, options.WordSize, writesMemory: true, "write_heads");
        ReadHeads = new NtmHeads(options.NumReads, options.WordSize, writesMemory: false, "read_heads");
    }

    public NtmHeads WriteHeads { get; }

    public NtmHeads ReadHeads { get; }

    public IReadOnlyList<Module> Modules => [WriteHeads, ReadHeads];

    public int NumReads => options.NumReads;

    public int WordSize => options.WordSize;

    public Action<MemoryTrace>? Trace { get; set; }

    public (Tensor Output, NtmAccessState State) Step(Tensor controllerOutput, NtmAccessState state)
    {
        int batch = controllerOutput.Dim(0);
        Require(state.Memory, "memory", [batch, options.MemorySize, options.WordSize]);
        Require(state.ReadWeights, "read_weights", [batch, options.NumReads, options.MemorySize]);
        Require(state.WriteWeights, "write_weights", [batch, options.NumWrites, options.MemorySize]);

        // Every head part of both groups from one product (parameters created in path order: write heads, then read heads),
        // then the whole memory step (address, erase and add, address, read) as one op.
        List<Tensor> weights = [], biases = [];
        List<int[]> shapes = [];
        WriteHeads.AppendParts(controllerOutput.Dim(1), weights, biases, shapes);
        ReadHeads.AppendParts(controllerOutput.Dim(1), weights, biases, shapes);
        var p = Affine.ApplyHeads(controllerOutput, weights, biases, shapes);
        var (memory, writeWeights, readWeights, readWords) = NtmAccessKernel.Step(state.Memory, state.WriteWeights, state.ReadWeights,
            new NtmHeadInterface(p[0], p[1], p[2], p[3], p[4]), p[5], p[6], new NtmHeadInterface(p[7], p[8], p[9], p[10], p[11]));
        Trace?.Invoke(new MemoryTrace(writeWeights.Detach(), readWeights.Detach(), Memory: memory.Detach()));
        return (readWords, new NtmAccessState(memory, readWeights, writeWeights));
    }

    /// <summary>Memory [B, N, Wd] filled with <see cref="NtmMemory.InitialValue"/>, read and write weights one-hot on row 0.</summary>
    public NtmAccessState InitialState(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return new NtmAccessState(
            Tensor.Full([batchSize, options.MemorySize, options.WordSize], NtmMemory.InitialValue),
            FocusedOnFirstRow(batchSize, options.NumReads, options.MemorySize),
            FocusedOnFirstRow(batchSize, options.NumWrites, options.MemorySize));
    }

    /// <summary>The row-0 read of the initial memory: every value <see cref="NtmMemory.InitialValue"/>, [B, R, Wd].</summary>
    public Tensor InitialReadWords(int batchSize) => Tensor.Full([batchSize, options.NumReads, options.WordSize], NtmMemory.InitialValue);

    private static Tensor FocusedOnFirstRow(int batch, int heads, int rows)
    {
        var weights = Tensor.Zeros(batch, heads, rows);
        var data = weights.Data;
        for (int i = 0; i < batch * heads; i++) data[i * rows] = 1f;
        return weights;
    }

    private void Require(Tensor? tensor, string member, int[] expected)
    {
        string path = WriteHeads.Parent?.Path ?? "ntm";
        if (tensor is null) throw new ArgumentNullException(member, $"{path}: state {member} is null");
        if (!tensor.Shape.SequenceEqual(expected))
            throw new ShapeMismatchException(path, $"state {member}", expected, tensor.Shape);
    }
}

/// <summary>
/// The NTM's feed-forward controller as a recurrent core: one linear layer and its activation; the (h, c) state is passed
/// through unchanged, so both controllers share <see cref="LstmState"/>. The layer is the <see cref="Ntm"/>'s child
/// <c>feed_forward</c>.
/// </summary>
internal sealed class NtmFeedForwardController(Linear layer, int hiddenSize, NtmActivation activation) : IClippingRnnCore<LstmState>, IModuleParts
{
    public IReadOnlyList<Module> Modules => [layer];

    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state) => Step(input, state, 0f);

    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state, float clip)
    {
        var hidden = layer.Forward(input);
        hidden = activation == NtmActivation.Relu ? Tensor.Relu(hidden) : Tensor.Tanh(hidden);
        return (clip > 0f ? Tensor.Clamp(hidden, -clip, clip) : hidden, state);
    }

    public LstmState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, hiddenSize), Tensor.Zeros(batchSize, hiddenSize));
}
