using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Neural Turing Machine core (Graves et al. 2014). Each step the controller (an LSTM, or a feed-forward layer)
/// reads the input and the previous read words; the write heads address the previous memory and erase then add; the
/// read heads address the new memory and read; a linear layer maps the controller output and the new read words to
/// the output logits. Every head addresses by content, interpolates with its previous weights, shifts by
/// {−1, 0, +1} and sharpens (<see cref="NtmAddressing"/>).
/// </summary>
/// <remarks>
/// <para>Parameter paths (default name <c>ntm</c>), in this order:
/// <c>ntm/lstm/{w_gates,b_gates}</c> (LSTM controller) or <c>ntm/feed_forward/{w,b}</c> (feed-forward controller);
/// <c>ntm/write_heads/{keys,strengths,gates,shifts,sharpening,erase_vectors,add_vectors}/{w,b}</c>;
/// <c>ntm/read_heads/{keys,strengths,gates,shifts,sharpening}/{w,b}</c>; <c>ntm/output_linear/{w,b}</c>.
/// Linear weights are [in, out]; the head layers take the controller output [B, H].</para>
/// <para>Order within a step: write before read, so a read sees what this step wrote (the paper reads M_t, the memory after
/// step t's writes) and the order matches the DNC's. Initial state (<see cref="InitialState"/>): memory filled with
/// <see cref="NtmMemory.InitialValue"/>, read and write weights focused on row 0, read words the row-0 read of that
/// memory, controller zeros.</para>
/// </remarks>
[Module]
public sealed partial class Ntm : Module, IRnnCore<NtmState>
{
    private readonly Lstm? lstm;
    private readonly Linear? feedForward;
    private readonly NtmHeads writeHeads;
    private readonly NtmHeads readHeads;
    private readonly Linear outputLinear;
    private int? inputSize;

    /// <summary>Creates an unconnected core; parameters are created on the first <see cref="Step"/>.</summary>
    /// <param name="options">The configuration (validated here).</param>
    /// <param name="name">The module's name; by default <c>ntm</c>.</param>
    /// <exception cref="ArgumentException">An option is out of range (<see cref="NtmOptions.Validate"/>).</exception>
    public Ntm(NtmOptions options, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        if (options.Controller == NtmController.Lstm) lstm = new Lstm(options.HiddenSize);
        else feedForward = new Linear(options.HiddenSize, "feed_forward");
        writeHeads = new NtmHeads(options.NumWrites, options.WordSize, writesMemory: true, "write_heads");
        readHeads = new NtmHeads(options.NumReads, options.WordSize, writesMemory: false, "read_heads");
        outputLinear = new Linear(options.OutputSize, "output_linear");
    }

    /// <summary>The configuration.</summary>
    public NtmOptions Options { get; }

    /// <summary>The size of the output per step.</summary>
    public int OutputSize => Options.OutputSize;

    /// <summary>The write heads (<c>ntm/write_heads</c>).</summary>
    public NtmHeads WriteHeads => writeHeads;

    /// <summary>The read heads (<c>ntm/read_heads</c>).</summary>
    public NtmHeads ReadHeads => readHeads;

    /// <summary>
    /// When set, called after every step with that step's detached write weights [B, W, N] and read weights [B, R, N]
    /// (no usage: the NTM keeps none).
    /// </summary>
    public Action<MemoryTrace>? Trace { get; set; }

    /// <summary>
    /// One step: input [B, in] (any trailing shape is flattened) and the previous state → output logits
    /// [B, OutputSize] and the new state. With <see cref="MemoryCoreOptions.ClipValue"/> &gt; 0 the controller output, the LSTM
    /// state and the output are clipped to ±ClipValue.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The input or a state tensor has the wrong shape; the message names the path.</exception>
    public (Tensor Output, NtmState State) Step(Tensor input, NtmState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw new ShapeMismatchException($"{Path}: input must be [B, in], got {Format(input.Shape)}");
        int batch = input.Dim(0), features = input.Size / Math.Max(batch, 1);
        if (inputSize is { } connected && features != connected)
            throw new ShapeMismatchException($"{Path}: input must be [{batch}, {connected}], got {Format(input.Shape)}");
        RequireState(state, batch);

        var controllerInput = Tensor.Concat(-1, input.Reshape(batch, -1), state.ReadWords.Reshape(batch, -1));
        var (controllerOutput, controllerState) = RunController(controllerInput, state.Controller);

        var writeWeights = writeHeads.Address(controllerOutput, state.Memory, state.WriteWeights);
        var (erase, add) = writeHeads.EraseAndAdd(controllerOutput);
        var memory = NtmMemory.Write(state.Memory, writeWeights, erase, add);

        var readWeights = readHeads.Address(controllerOutput, memory, state.ReadWeights);
        var readWords = NtmMemory.Read(memory, readWeights);

        inputSize ??= features;
        var output = Clip(outputLinear.Forward(Tensor.Concat(-1, controllerOutput, readWords.Reshape(batch, -1))));
        Trace?.Invoke(new MemoryTrace(writeWeights.Detach(), readWeights.Detach(), null));
        return (output, new NtmState(controllerState, memory, readWeights, writeWeights, readWords));
    }

    /// <summary>
    /// The state before the first step: memory [B, N, Wd] filled with <see cref="NtmMemory.InitialValue"/>, read weights
    /// [B, R, N] and write weights [B, W, N] one-hot on row 0, read words [B, R, Wd] equal to row 0 of that memory, and a
    /// zero controller state [B, H] (h and c).
    /// </summary>
    public NtmState InitialState(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var o = Options;
        var controller = lstm?.InitialState(batchSize)
            ?? new LstmState(Tensor.Zeros(batchSize, o.HiddenSize), Tensor.Zeros(batchSize, o.HiddenSize));
        return new NtmState(
            controller,
            Tensor.Full([batchSize, o.MemorySize, o.WordSize], NtmMemory.InitialValue),
            FocusedOnFirstRow(batchSize, o.NumReads, o.MemorySize),
            FocusedOnFirstRow(batchSize, o.NumWrites, o.MemorySize),
            Tensor.Full([batchSize, o.NumReads, o.WordSize], NtmMemory.InitialValue));
    }

    private (Tensor Output, LstmState State) RunController(Tensor controllerInput, LstmState previous)
    {
        if (lstm is not null)
        {
            var (output, next) = lstm.Step(controllerInput, previous);
            return (Clip(output), next.Map(Clip));
        }
        var hidden = feedForward!.Forward(controllerInput);
        hidden = Options.FeedForwardActivation == NtmActivation.Relu ? Tensor.Relu(hidden) : Tensor.Tanh(hidden);
        return (Clip(hidden), previous);
    }

    private static Tensor FocusedOnFirstRow(int batch, int heads, int rows)
    {
        var weights = Tensor.Zeros(batch, heads, rows);
        var data = weights.Data;
        for (int i = 0; i < batch * heads; i++) data[i * rows] = 1f;
        return weights;
    }

    private void RequireState(NtmState state, int batch)
    {
        var o = Options;
        Require(state.Memory, "memory", [batch, o.MemorySize, o.WordSize]);
        Require(state.ReadWeights, "read_weights", [batch, o.NumReads, o.MemorySize]);
        Require(state.WriteWeights, "write_weights", [batch, o.NumWrites, o.MemorySize]);
        Require(state.ReadWords, "read_words", [batch, o.NumReads, o.WordSize]);
        Require(state.Controller.Hidden, "controller/hidden", [batch, o.HiddenSize]);
        Require(state.Controller.Cell, "controller/cell", [batch, o.HiddenSize]);
    }

    private void Require(Tensor? tensor, string member, int[] expected)
    {
        if (tensor is null) throw new ArgumentNullException(member, $"{Path}: state {member} is null");
        if (!tensor.Shape.SequenceEqual(expected))
            throw new ShapeMismatchException($"{Path}: state {member} must be {Format(expected)}, got {Format(tensor.Shape)}");
    }

    private Tensor Clip(Tensor x) => Options.ClipValue > 0 ? Tensor.Clamp(x, -Options.ClipValue, Options.ClipValue) : x;

    private static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
