using Modules.Tensors;

namespace Modules;

/// <summary>
/// Sonnet 1's LSTM core. One weight <c>w_gates</c> <c>[in + H, 4H]</c> (truncated normal, standard deviation
/// 1/√(in + H)) and bias <c>b_gates</c> <c>[4H]</c> (zeros) compute all gates at once from <c>[x, h]</c>; the gates are, in
/// order, input <c>i</c>, candidate <c>j</c>, forget <c>f</c>, output <c>o</c>:
/// <c>c' = σ(f + forget_bias)·c + σ(i)·tanh(j)</c>, <c>h' = σ(o)·tanh(c')</c>. The forget bias is added at run time,
/// not stored in <c>b_gates</c>. The output is <c>h'</c>.
/// </summary>
[Module]
public sealed partial class Lstm : Module, IClippingRnnCore<LstmState>
{
    [Param] private Tensor? wGates;
    [Param] private Tensor? bGates;
    private readonly LstmInitialState? initialState;

    /// <summary>Creates an unconnected LSTM.</summary>
    /// <param name="hiddenSize">H, the number of units; positive.</param>
    /// <param name="forgetBias">Added to the forget gate's pre-activation (Sonnet: 1).</param>
    /// <param name="name">The module's name; by default <c>lstm</c>.</param>
    /// <param name="trainableInitialState">Whether <see cref="InitialState"/> is learned (a submodule <c>lstm_initial_state</c>) instead of zeros.</param>
    public Lstm(int hiddenSize, float forgetBias = 1f, string? name = null, bool trainableInitialState = false) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        HiddenSize = hiddenSize;
        ForgetBias = forgetBias;
        if (trainableInitialState) initialState = new LstmInitialState(hiddenSize);
    }

    /// <summary>H, the number of units.</summary>
    public int HiddenSize { get; }

    /// <summary>Added to the forget gate's pre-activation at run time.</summary>
    public float ForgetBias { get; }

    /// <summary>One step: <paramref name="input"/> <c>[B, in]</c> and the state (<c>[B, H]</c> each) give the output <c>h'</c> <c>[B, H]</c> and the next state.</summary>
    /// <exception cref="ShapeMismatchException">The input is not <c>[B, in]</c> with the connected input size, or the state is not <c>[B, H]</c>.</exception>
    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state) => Step(input, state, 0f);

    /// <summary>
    /// One step whose new hidden and cell states are limited to <c>[−clip, clip]</c> when <paramref name="clip"/> &gt; 0
    /// (the DNC's controller clipping, in the same op); the output is the clipped hidden state. Shapes as
    /// <see cref="Step(Tensor, LstmState)"/>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The input is not <c>[B, in]</c> with the connected input size, or the state is not <c>[B, H]</c>.</exception>
    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state, float clip)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2) throw new ShapeMismatchException(Path, "input", [-1, -1], input.Shape, " ([B, in])");
        int batch = input.Dim(0), inputSize = input.Dim(1), h = HiddenSize;
        RequireState(state.Hidden, "hidden", batch);
        RequireState(state.Cell, "cell", batch);
        if (wGates is not null && wGates.Dim(0) != inputSize + h)
            throw new ShapeMismatchException(Path, "input", [batch, wGates.Dim(0) - h], input.Shape);

        // Connected (every step after the first): no shape arrays or initializer for the lookup.
        if (wGates is not { Rank: 2 } w || w.Dim(1) != 4 * h || bGates is not { Rank: 1 } b || b.Dim(0) != 4 * h)
            (w, b) = Create(inputSize);
        var (hidden, cell) = LstmCell.Apply(input, state.Hidden, state.Cell, w, b, ForgetBias, clip);
        return (hidden, new LstmState(hidden, cell));
    }

    // Apart from Step, which would otherwise allocate the initializer's closure on every call.
    private (Tensor W, Tensor B) Create(int inputSize)
    {
        int h = HiddenSize;
        var w = GetWGates([inputSize + h, 4 * h], s => Tensor.TruncatedNormal(Rng, s, 0f, 1f / MathF.Sqrt(inputSize + h)));
        var b = GetBGates([4 * h], Tensor.Zeros);
        return (w, b);
    }

    /// <summary>The state before the first step: zeros <c>[B, H]</c>, or the learned state when trainable.</summary>
    public LstmState InitialState(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return initialState is not null
            ? initialState.ForBatch(batchSize)
            : new LstmState(Tensor.Allocate(batchSize, HiddenSize), Tensor.Allocate(batchSize, HiddenSize));
    }

    private void RequireState(Tensor tensor, string member, int batch)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank != 2 || tensor.Dim(0) != batch || tensor.Dim(1) != HiddenSize)
            throw new ShapeMismatchException(Path, $"state {member}", [batch, HiddenSize], tensor.Shape);
    }
}
