using Modules.Tensors;

namespace Modules.Tests.Layers;

public class LstmTests
{
    // One input feature, two units. Rows of w_gates: x, h₁, h₂; columns: i₁ i₂ j₁ j₂ f₁ f₂ o₁ o₂.
    private static readonly float[] WGates =
    [
        0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f,
        0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f,
        -0.2f, -0.2f, -0.2f, -0.2f, -0.2f, -0.2f, -0.2f, -0.2f,
    ];

    private static readonly float[] BGates = [0f, -0.1f, 0f, 0.1f, -1f, -1f, 0f, 0.2f];

    private static Lstm KnownLstm(float forgetBias = 1f)
    {
        var lstm = new Lstm(2, forgetBias);
        lstm.SetParameter("lstm/w_gates", new Tensor((float[])WGates.Clone(), 3, 8));
        lstm.SetParameter("lstm/b_gates", new Tensor((float[])BGates.Clone(), 8));
        return lstm;
    }

    [Fact]
    public void OneStepMatchesHandComputedValues()
    {
        // x = [1], h = [0.5, −0.5], c = [0.1, 0.2].
        // [x, h]·w_gates = row_x + 0.5·0.1 + (−0.5)·(−0.2) = row_x + 0.15; adding b_gates:
        //   i = [0.25, 0.25], j = [0.45, 0.65], f = [−0.35, −0.25], o = [0.85, 1.15].
        // Unit 1: σ(i) = 0.562176501, tanh(j) = 0.421899005, σ(f + 1) = σ(0.65) = 0.657010463, σ(o) = 0.700567142;
        //   c' = 0.657010463·0.1 + 0.562176501·0.421899005 = 0.302882753; h' = 0.700567142·tanh(0.302882753) = 0.700567142·0.293948505 = 0.205930664.
        // Unit 2: σ(i) = 0.562176501, tanh(j) = 0.571669966, σ(f + 1) = σ(0.75) = 0.679178699, σ(o) = 0.759510917;
        //   c' = 0.679178699·0.2 + 0.562176501·0.571669966 = 0.457215161; h' = 0.759510917·tanh(0.457215161) = 0.759510917·0.427811775 = 0.324927714.
        var lstm = KnownLstm();
        var state = new LstmState(new Tensor([0.5f, -0.5f], 1, 2), new Tensor([0.1f, 0.2f], 1, 2));
        var (output, next) = lstm.Step(new Tensor([1f], 1, 1), state);

        AssertClose([0.205930664f, 0.324927714f], output.ToArray());
        AssertClose([0.205930664f, 0.324927714f], next.Hidden.ToArray());
        AssertClose([0.302882753f, 0.457215161f], next.Cell.ToArray());
        Assert.Equal(BGates, lstm.NamedParameters()[1].Value.ToArray()); // the forget bias is not stored
    }

    [Fact]
    public void ForgetBiasIsAddedAtRunTime()
    {
        // With forget bias 0 unit 1's forget gate is σ(−0.35) = 0.413382421, so c'₁ = 0.0413382421 + 0.237181706 = 0.278519949.
        var state = new LstmState(new Tensor([0.5f, -0.5f], 1, 2), new Tensor([0.1f, 0.2f], 1, 2));
        var (_, next) = KnownLstm(forgetBias: 0f).Step(new Tensor([1f], 1, 1), state);
        Assert.Equal(0.278519949f, next.Cell.At(0, 0), 6);
    }

    [Fact]
    public void ParametersHaveSonnetShapesAndPaths()
    {
        var lstm = new Lstm(4);
        var initial = lstm.InitialState(3);
        Assert.Equal(new float[12], initial.Hidden.ToArray());
        Assert.Equal([3, 4], initial.Cell.ShapeArray());
        var (output, _) = lstm.Step(Tensor.Ones(3, 5), initial);
        Assert.Equal([3, 4], output.ShapeArray());
        var parameters = lstm.NamedParameters();
        Assert.Equal(["lstm/w_gates", "lstm/b_gates"], parameters.Select(p => p.Key));
        Assert.Equal([9, 16], parameters[0].Value.ShapeArray());
        Assert.Equal([16], parameters[1].Value.ShapeArray());
        Assert.Equal(["hidden", "cell"], LstmState.Paths);
    }

    [Fact]
    public void UnrollingThreadsTheStateThroughEveryStep()
    {
        var lstm = KnownLstm();
        var inputs = new Tensor([1f, -1f, 0.5f, 2f, 0f, -0.5f], 3, 2, 1);
        var unrolled = DynamicRnn.Unroll(lstm, inputs);

        var state = lstm.InitialState(2);
        for (int t = 0; t < 3; t++)
        {
            var (output, next) = lstm.Step(new Tensor(inputs.ToArray()[(2 * t)..(2 * t + 2)], 2, 1), state);
            Assert.Equal(output.ToArray(), unrolled.Outputs.ToArray()[(4 * t)..(4 * t + 4)]);
            state = next;
        }
        Assert.Equal(state.Cell.ToArray(), unrolled.FinalState.Cell.ToArray());
    }

    [Fact]
    public void GradientOfWGatesMatchesFiniteDifferences()
    {
        // L = Σ over two steps of h'; central differences in double-checked float arithmetic.
        var inputs = new Tensor([1f, -1f, 0.5f, 2f], 2, 2, 1);
        float Loss(Lstm l) => DynamicRnn.Unroll(l, inputs).Outputs.Sum().Item();

        var lstm = KnownLstm();
        DynamicRnn.Unroll(lstm, inputs).Outputs.Sum().Backward();
        var w = lstm.NamedParameters()[0].Value;
        var analytic = w.Grad!.ToArray();
        const float h = 1e-2f;
        for (int k = 0; k < w.Size; k++)
        {
            float original = w.Data[k];
            w.Data[k] = original + h;
            float plus = Loss(lstm);
            w.Data[k] = original - h;
            float minus = Loss(lstm);
            w.Data[k] = original;
            Assert.True(Math.Abs((plus - minus) / (2 * h) - analytic[k]) < 2e-3f, $"w_gates[{k}]: numeric {(plus - minus) / (2 * h)}, analytic {analytic[k]}");
        }
    }

    [Fact]
    public void TrainableInitialStateIsAParameterThatReceivesGradients()
    {
        var lstm = new Lstm(2, trainableInitialState: true);
        var inputs = Tensor.Ones(2, 3, 1);
        DynamicRnn.Unroll(lstm, inputs).Outputs.Sum().Backward();
        var parameters = lstm.NamedParameters();
        Assert.Equal(["lstm/w_gates", "lstm/b_gates", "lstm/lstm_initial_state/hidden", "lstm/lstm_initial_state/cell"],
            parameters.Select(p => p.Key));
        Assert.Equal([2], parameters[2].Value.ShapeArray());
        Assert.NotNull(parameters[2].Value.Grad);
        Assert.Contains(parameters[3].Value.Grad!.ToArray(), g => g != 0f);
    }

    [Fact]
    public void BadInputsAndStatesAreRejectedNamingThePath()
    {
        var lstm = new Lstm(2);
        var state = lstm.InitialState(1);
        Assert.Equal("lstm: input must be [?, ?] ([B, in]), got [1, 1, 1]",
            Assert.Throws<ShapeMismatchException>(() => lstm.Step(Tensor.Ones(1, 1, 1), state)).Message);
        Assert.Equal("lstm: state hidden must be [3, 2], got [1, 2]",
            Assert.Throws<ShapeMismatchException>(() => lstm.Step(Tensor.Ones(3, 1), state)).Message);
        lstm.Step(Tensor.Ones(1, 4), state);
        Assert.Equal("lstm: input must be [1, 4], got [1, 5]",
            Assert.Throws<ShapeMismatchException>(() => lstm.Step(Tensor.Ones(1, 5), state)).Message);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6f, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
