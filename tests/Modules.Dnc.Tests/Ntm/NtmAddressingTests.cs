using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

public class NtmAddressingTests
{
    private static Tensor Weights(params float[] values) => new(values, 1, 1, values.Length);

    private static Tensor Shifts(float down, float stay, float up) => new([down, stay, up], 1, 1, 3);

    [Fact]
    public void Shift_ByOneHotPlusOne_MovesTheFocusUp_AndWrapsTheLastRowToTheFirst()
    {
        var shifted = UnfusedNtmAddressing.Shift(Weights(0.1f, 0.2f, 0.3f, 0.4f), Shifts(0, 0, 1));
        FiniteDifference.AssertClose([0.4f, 0.1f, 0.2f, 0.3f], shifted.Values, 0, 1e-7, "shift +1");
    }

    [Fact]
    public void Shift_ByOneHotMinusOne_MovesTheFocusDown_AndWrapsTheFirstRowToTheLast()
    {
        var shifted = UnfusedNtmAddressing.Shift(Weights(0.1f, 0.2f, 0.3f, 0.4f), Shifts(1, 0, 0));
        FiniteDifference.AssertClose([0.2f, 0.3f, 0.4f, 0.1f], shifted.Values, 0, 1e-7, "shift -1");
    }

    [Fact]
    public void Shift_ByZero_IsTheIdentity()
    {
        var shifted = UnfusedNtmAddressing.Shift(Weights(0.1f, 0.2f, 0.3f, 0.4f), Shifts(0, 1, 0));
        FiniteDifference.AssertClose([0.1f, 0.2f, 0.3f, 0.4f], shifted.Values, 0, 1e-7, "shift 0");
    }

    [Fact]
    public void Shift_MixedOnAFocusAtEitherEnd_SpreadsAcrossTheWrap()
    {
        // Focus on row 0: half stays, a quarter moves up to row 1, a quarter moves down and wraps to row 4.
        var low = UnfusedNtmAddressing.Shift(Weights(1, 0, 0, 0, 0), Shifts(0.25f, 0.5f, 0.25f));
        FiniteDifference.AssertClose([0.5f, 0.25f, 0, 0, 0.25f], low.Values, 0, 1e-7, "focus on row 0");
        // Focus on row 4: a quarter moves up and wraps to row 0, a quarter moves down to row 3.
        var high = UnfusedNtmAddressing.Shift(Weights(0, 0, 0, 0, 1), Shifts(0.25f, 0.5f, 0.25f));
        FiniteDifference.AssertClose([0.25f, 0, 0, 0.25f, 0.5f], high.Values, 0, 1e-7, "focus on row 4");
    }

    [Fact]
    public void Shift_MixedOnASpreadWeighting_MatchesTheHandComputedConvolution()
    {
        // w̃(i) = 0.1·w(i+1) + 0.2·w(i) + 0.7·w(i−1): e.g. w̃(0) = 0.1·0.2 + 0.2·0.1 + 0.7·0.4 = 0.32.
        var shifted = UnfusedNtmAddressing.Shift(Weights(0.1f, 0.2f, 0.3f, 0.4f), Shifts(0.1f, 0.2f, 0.7f));
        FiniteDifference.AssertClose([0.32f, 0.14f, 0.24f, 0.30f], shifted.Values, 1e-6, 1e-7, "mixed shift");
    }

    [Fact]
    public void Shift_TreatsEveryBatchRowAndHeadSeparately()
    {
        var weights = new Tensor([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5f, 0.5f, 0], 2, 2, 3);
        var shifts = new Tensor([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1], 2, 2, 3);
        var shifted = UnfusedNtmAddressing.Shift(weights, shifts);
        FiniteDifference.AssertClose([0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0.5f, 0.5f], shifted.Values, 0, 1e-7, "per row");
    }

    [Fact]
    public void Sharpen_WithGammaOne_KeepsANormalisedWeighting()
    {
        var sharpened = UnfusedNtmAddressing.Sharpen(Weights(0.1f, 0.2f, 0.3f, 0.4f), new Tensor([1f], 1, 1));
        FiniteDifference.AssertClose([0.1f, 0.2f, 0.3f, 0.4f], sharpened.Values, 1e-6, 1e-7, "γ = 1");
    }

    [Fact]
    public void Sharpen_WithGammaTwo_SquaresAndRenormalises()
    {
        // (0.01, 0.04, 0.09, 0.16) / 0.30.
        var sharpened = UnfusedNtmAddressing.Sharpen(Weights(0.1f, 0.2f, 0.3f, 0.4f), new Tensor([2f], 1, 1));
        FiniteDifference.AssertClose([1f / 30, 4f / 30, 9f / 30, 16f / 30], sharpened.Values, 1e-6, 1e-7, "γ = 2");
        // An unnormalised input with a zero: (1, 4, 0, 1) / 6.
        var withZero = UnfusedNtmAddressing.Sharpen(Weights(1, 2, 0, 1), new Tensor([2f], 1, 1));
        FiniteDifference.AssertClose([1f / 6, 4f / 6, 0, 1f / 6], withZero.Values, 1e-6, 1e-7, "γ = 2 with a zero");
    }

    [Fact]
    public void Sharpen_WithALargeGamma_DoesNotUnderflow()
    {
        // 0.5^200 underflows float32; computed on w / max it is (1, 0.5^200 ≈ 0): all mass on the largest weight.
        var sharpened = UnfusedNtmAddressing.Sharpen(Weights(0.25f, 0.5f, 0.25f), new Tensor([200f], 1, 1));
        FiniteDifference.AssertClose([0, 1, 0], sharpened.Values, 0, 1e-7, "γ = 200");
    }

    [Fact]
    public void Interpolate_BlendsContentAndPreviousByTheGate()
    {
        // 0.25·(0.7, 0.1, 0.1, 0.1) + 0.75·(0, 0, 1, 0).
        var blended = UnfusedNtmAddressing.Interpolate(Weights(0.7f, 0.1f, 0.1f, 0.1f), Weights(0, 0, 1, 0), new Tensor([0.25f], 1, 1));
        FiniteDifference.AssertClose([0.175f, 0.025f, 0.775f, 0.025f], blended.Values, 1e-6, 1e-7, "g = 0.25");
        var previousOnly = UnfusedNtmAddressing.Interpolate(Weights(0.7f, 0.1f, 0.1f, 0.1f), Weights(0, 0, 1, 0), new Tensor([0f], 1, 1));
        FiniteDifference.AssertClose([0, 0, 1, 0], previousOnly.Values, 0, 1e-7, "g = 0");
    }

    [Fact]
    public void Content_OnTheInitialConstantMemory_IsUniformAndFinite()
    {
        var memory = Tensor.Full([1, 4, 3], NtmMemory.InitialValue);
        var weights = NtmAddressing.Content(memory, new Tensor([0.3f, -1f, 2f], 1, 1, 3), new Tensor([5f], 1, 1));
        FiniteDifference.AssertClose([0.25f, 0.25f, 0.25f, 0.25f], weights.Values, 1e-6, 1e-7, "uniform");
    }

    [Fact]
    public void Address_WithAClosedGateAndNoShift_KeepsThePreviousFocus()
    {
        // σ(−30) ≈ 0 keeps w_prev; shift logits (−30, 30, −30) put all weight on s₀; sharpening a one-hot keeps it.
        var memory = Tensor.Normal(new Generator(2), [1, 5, 3]);
        var head = new NtmHeadInterface(
            new Tensor([1f, 0f, 0f], 1, 1, 3), new Tensor([3f], 1, 1), new Tensor([-30f], 1, 1),
            new Tensor([-30f, 30f, -30f], 1, 1, 3), new Tensor([0f], 1, 1));
        var weights = NtmAddressing.Address(memory, Weights(0, 0, 0, 1, 0), head);
        FiniteDifference.AssertClose([0, 0, 0, 1, 0], weights.Values, 0, 1e-5, "kept focus");
    }

    [Fact]
    public void Shift_Gradients_MatchFiniteDifferences()
    {
        var g = new Generator(5);
        var weights = Tensor.Softmax(Tensor.Normal(g, [2, 2, 5]), -1);
        var shifts = Tensor.Softmax(Tensor.Normal(g, [2, 2, 3]), -1);
        FiniteDifference.Check(x => UnfusedNtmAddressing.Shift(x[0], x[1]), [weights, shifts], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void Sharpen_Gradients_MatchFiniteDifferences()
    {
        var g = new Generator(6);
        var weights = Tensor.Softmax(Tensor.Normal(g, [2, 2, 5]), -1);
        var gammas = Tensor.Uniform(g, [2, 2], 1.2f, 3f);
        FiniteDifference.Check(x => UnfusedNtmAddressing.Sharpen(x[0], x[1]), [weights, gammas], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void Sharpen_GradientsThroughAZeroWeight_AreFinite_AndMatchFiniteDifferencesElsewhere()
    {
        // γ ≥ 1: a zero weight has no γ-gradient and a finite weight-gradient (exactly 1/Σw at γ = 1).
        var weights = new Tensor([0.2f, 0f, 0.5f, 0.3f], 1, 1, 4).RequireGrad();
        var gammas = new Tensor([1f], 1, 1).RequireGrad();
        var probe = new Tensor([1f, 2f, -1f, 0.5f], 1, 1, 4);
        (UnfusedNtmAddressing.Sharpen(weights, gammas) * probe).Sum().Backward();
        FiniteDifference.AssertFinite(weights.Grad!.Values, "dw");
        FiniteDifference.AssertFinite(gammas.Grad!.Values, "dγ");
        // At γ = 1, o = w / Σw with Σw = 1: ∂L/∂w_j = (p_j − Σ_i p_i o_i) = p_j − (0.2 − 0.5 + 0.15) = p_j + 0.15.
        FiniteDifference.AssertClose([1.15f, 2.15f, -0.85f, 0.65f], weights.Grad!.Values, 1e-5, 1e-6, "dw at γ = 1");
    }

    [Fact]
    public void Interpolate_Gradients_MatchFiniteDifferences()
    {
        var g = new Generator(7);
        var content = Tensor.Softmax(Tensor.Normal(g, [2, 2, 5]), -1);
        var previous = Tensor.Softmax(Tensor.Normal(g, [2, 2, 5]), -1);
        var gates = Tensor.Uniform(g, [2, 2], 0f, 1f);
        FiniteDifference.Check(x => UnfusedNtmAddressing.Interpolate(x[0], x[1], x[2]), [content, previous, gates], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void Content_Gradients_MatchFiniteDifferences()
    {
        var g = new Generator(8);
        var memory = Tensor.Normal(g, [2, 5, 3]);
        var keys = Tensor.Normal(g, [2, 2, 3]);
        var strengths = Tensor.Normal(g, [2, 2]);
        FiniteDifference.Check(x => NtmAddressing.Content(x[0], x[1], x[2]), [memory, keys, strengths], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void Address_Gradients_MatchFiniteDifferences()
    {
        var g = new Generator(9);
        var memory = Tensor.Normal(g, [2, 5, 3]);
        var previous = Tensor.Softmax(Tensor.Normal(g, [2, 1, 5]), -1);
        Tensor[] raw = [Tensor.Normal(g, [2, 1, 3]), Tensor.Normal(g, [2, 1]), Tensor.Normal(g, [2, 1]), Tensor.Normal(g, [2, 1, 3]), Tensor.Normal(g, [2, 1])];
        FiniteDifference.Check(
            x => NtmAddressing.Address(x[0], x[1], new NtmHeadInterface(x[2], x[3], x[4], x[5], x[6])),
            [memory, previous, .. raw], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void ShapeErrors_NameTheFunctionAndBothShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => UnfusedNtmAddressing.Shift(Tensor.Zeros(2, 1, 5), Tensor.Zeros(2, 1, 4)));
        Assert.Contains("NtmAddressing.Shift", ex.Message);
        Assert.Contains("[2, 1, 4]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => UnfusedNtmAddressing.Sharpen(Tensor.Zeros(2, 1, 5), Tensor.Zeros(2, 2)));
        Assert.Contains("NtmAddressing.Sharpen", ex.Message);
        Assert.Contains("[2, 2]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => UnfusedNtmAddressing.Interpolate(Tensor.Zeros(2, 1, 5), Tensor.Zeros(2, 1, 4), Tensor.Zeros(2, 1)));
        Assert.Contains("NtmAddressing.Interpolate", ex.Message);
    }
}
