using Modules.Tensors;

namespace Modules;

/// <summary>
/// A long short-term memory core in Sonnet 1's layout: one weight w_gates [in + H, 4H] and bias b_gates [4H]
/// over concat(x, h), gates in the order i, j, f, o; the forget bias is added at run time.
/// c' = σ(f + forget_bias)·c + σ(i)·tanh(j), h' = tanh(c')·σ(o); the output is h'.
/// </summary>
[Module]
public sealed partial class Lstm : Module, IRnnCore<LstmState>
{
    [Param] private Tensor? wGates;
    [Param] private Tensor? bGates;

    /// <summary>Creates the core with <paramref name="hiddenSize"/> units; default name <c>lstm</c>.</summary>
    public Lstm(int hiddenSize, float forgetBias = 1f, string? name = null) : base(name)
    {
        HiddenSize = hiddenSize;
        ForgetBias = forgetBias;
    }

    /// <summary>H, the number of units.</summary>
    public int HiddenSize { get; }

    /// <summary>Added to the forget gate's pre-activation at run time.</summary>
    public float ForgetBias { get; }

    /// <summary>Input [B, in] and state (h, c) [B, H] → output h' [B, H] and the new state.</summary>
    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state)
    {
        int inputSize = input.Dim(-1), h = HiddenSize;
        var w = GetWGates([inputSize + h, 4 * h], s => Tensor.TruncatedNormal(Rng, s, 0f, 1f / MathF.Sqrt(inputSize + h)));
        var b = GetBGates([4 * h], Tensor.Zeros);
        var gates = Tensor.Concat(-1, input, state.Hidden).MatMul(w) + b;
        var parts = gates.Split(-1, h, h, h, h);
        var cell = Tensor.Sigmoid(parts[2] + ForgetBias) * state.Cell + Tensor.Sigmoid(parts[0]) * Tensor.Tanh(parts[1]);
        var hidden = Tensor.Tanh(cell) * Tensor.Sigmoid(parts[3]);
        return (hidden, new LstmState(hidden, cell));
    }

    /// <summary>Zero h and c, [B, H].</summary>
    public LstmState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, HiddenSize), Tensor.Zeros(batchSize, HiddenSize));
}
