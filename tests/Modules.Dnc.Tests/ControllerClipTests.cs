using Modules.Tensors;

namespace Modules.Dnc.Tests;

/// <summary>An LSTM behind a core that is not an <see cref="Lstm"/>, so the DNC clips its output and state with separate clamps.</summary>
[Module]
public sealed partial class OpaqueLstm : Module, IRnnCore<LstmState>
{
    private readonly Lstm inner;

    public OpaqueLstm(int hiddenSize) : base("opaque") => inner = new Lstm(hiddenSize);

    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state) => inner.Step(input, state);

    public LstmState InitialState(int batchSize) => inner.InitialState(batchSize);
}

public class ControllerClipTests
{
    private static DncOptions Small(float clip) =>
        new() { OutputSize = 3, HiddenSize = 5, MemorySize = 4, WordSize = 2, NumReads = 2, NumWrites = 1, ClipValue = clip };

    /// <summary>
    /// The LSTM clips inside its fused step; the same LSTM behind another core is clipped by clamps after the step. Both
    /// must give the same outputs, final state and parameter gradients, with clips that cut the cell (0.3) and the
    /// hidden state too (0.05).
    /// </summary>
    [Theory]
    [InlineData(0.3f)]
    [InlineData(0.05f)]
    public void FusedControllerClipMatchesClampsAfterTheStep(float clip)
    {
        var inputs = Tensor.Normal(new Generator(4), [4, 2, 3], 0f, 5f);
        var fused = new Dnc(Small(clip));
        fused.Seed(3);
        var clamped = Dnc.Create(Small(clip), new OpaqueLstm(5));
        clamped.Seed(3);
        var a = DynamicRnn.Unroll(fused, inputs);
        var b = DynamicRnn.Unroll(clamped, inputs);
        var fusedParameters = fused.NamedParameters();
        var clampedParameters = clamped.NamedParameters();
        Assert.Equal(fusedParameters.Count, clampedParameters.Count);
        for (int i = 0; i < fusedParameters.Count; i++)
            Assert.Equal(fusedParameters[i].Value.ToArray(), clampedParameters[i].Value.ToArray()); // same initialisation

        (a.Outputs * a.Outputs).Sum().Backward();
        (b.Outputs * b.Outputs).Sum().Backward();
        FiniteDifference.AssertClose(b.Outputs.ToArray(), a.Outputs.Values, 1e-6, 1e-6, "outputs");
        FiniteDifference.AssertClose(b.FinalState.Controller.Cell.ToArray(), a.FinalState.Controller.Cell.Values, 1e-6, 1e-6, "cell");
        FiniteDifference.AssertClose(b.FinalState.Controller.Hidden.ToArray(), a.FinalState.Controller.Hidden.Values, 1e-6, 1e-6, "hidden");
        for (int i = 0; i < fusedParameters.Count; i++)
            FiniteDifference.AssertClose(clampedParameters[i].Value.Grad!.ToArray(), fusedParameters[i].Value.Grad!.Values, 1e-5, 1e-6,
                fusedParameters[i].Key);
        Assert.Contains(a.FinalState.Controller.Cell.Values.ToArray(), v => MathF.Abs(v) == clip);
    }
}
