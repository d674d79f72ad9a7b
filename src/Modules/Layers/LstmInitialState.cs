using Modules.Tensors;

namespace Modules;

/// <summary>
/// Trainable initial state of an <see cref="Lstm"/>: parameters <c>hidden</c> and <c>cell</c>, each <c>[H]</c>
/// (zeros at creation), broadcast over the batch.
/// </summary>
[Module]
public sealed partial class LstmInitialState : Module
{
    [Param] private Tensor? hidden;
    [Param] private Tensor? cell;

    /// <summary>Creates the initial state of an LSTM with <paramref name="hiddenSize"/> units.</summary>
    /// <param name="hiddenSize">H.</param>
    /// <param name="name">The module's name; by default <c>lstm_initial_state</c>.</param>
    public LstmInitialState(int hiddenSize, string? name = null) : base(name) => HiddenSize = hiddenSize;

    /// <summary>H.</summary>
    public int HiddenSize { get; }

    /// <summary>The learned state repeated for <paramref name="batchSize"/> sequences: both tensors <c>[B, H]</c>.</summary>
    public LstmState ForBatch(int batchSize)
    {
        var h = GetHidden([HiddenSize], Tensor.Zeros);
        var c = GetCell([HiddenSize], Tensor.Zeros);
        var zeros = Tensor.Zeros(batchSize, HiddenSize);
        return new LstmState(zeros + h, zeros + c);
    }
}
