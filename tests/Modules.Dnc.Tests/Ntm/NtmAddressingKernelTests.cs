using Modules.Dnc.Tests.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

/// <summary>
/// The fused <see cref="NtmAddressing.Address"/> against the op-by-op composition it replaced
/// (<see cref="UnfusedNtmAddressing.Address"/>): forward values and the gradients of every input, on random inputs and on
/// the saturated cases (closed gates, one-hot shifts, γ = 1, large γ and β) where the sharpening's special cases decide.
/// </summary>
public class NtmAddressingKernelTests
{
    /// <summary>Memory [B, N, Wd], previous weights [B, H, N], keys [B, H, Wd], strengths, gates [B, H], shifts [B, H, 3], sharpening [B, H].</summary>
    private static Tensor[] Inputs(ulong seed, int batch, int heads, int cells, int width, float logitScale = 1f)
    {
        var g = new Generator(seed);
        return
        [
            Tensor.Normal(g, [batch, cells, width]), Tensor.Softmax(Tensor.Normal(g, [batch, heads, cells]), -1),
            Tensor.Normal(g, [batch, heads, width]), Tensor.Normal(g, [batch, heads], 0f, 2f * logitScale),
            Tensor.Normal(g, [batch, heads], 0f, logitScale), Tensor.Normal(g, [batch, heads, 3], 0f, logitScale),
            Tensor.Normal(g, [batch, heads], 0f, logitScale),
        ];
    }

    private static Tensor Fused(Tensor[] x) => NtmAddressing.Address(x[0], x[1], new NtmHeadInterface(x[2], x[3], x[4], x[5], x[6]));

    private static Tensor Unfused(Tensor[] x) => UnfusedNtmAddressing.Address(x[0], x[1], new NtmHeadInterface(x[2], x[3], x[4], x[5], x[6]));

    [Theory]
    [InlineData(2, 1, 5, 3, 1f)]
    [InlineData(2, 2, 5, 3, 1f)]
    [InlineData(3, 3, 16, 16, 1f)]
    [InlineData(2, 1, 128, 20, 1f)]
    [InlineData(2, 2, 128, 20, 4f)]   // large logits: peaked content, saturated gates and shifts, γ up to ≈ 10
    public void ForwardAndGradients_MatchTheUnfusedComposition(int batch, int heads, int cells, int width, float logitScale)
    {
        KernelComparison.AssertSameForwardAndGradients(Fused, Unfused, Inputs(17, batch, heads, cells, width, logitScale), rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void OnlyTheHeadParametersRequireGradient_GivesTheSameGradients_AndNoneForTheRest()
    {
        // The first step of an episode: the initial memory and weights are constants.
        KernelComparison.AssertSameForwardAndGradients(Fused, Unfused, Inputs(18, 2, 2, 7, 4), rtol: 1e-4, atol: 1e-6,
            differentiable: [false, false, true, true, true, true, true]);
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_WithTwoHeads()
    {
        FiniteDifference.Check(Fused, Inputs(19, 2, 2, 5, 3), eps: 1e-3f, atol: 1e-3);
    }

    [Theory]
    [InlineData(-120f)]   // softplus(−120) rounds to 0: γ = 1 exactly
    [InlineData(0f)]      // γ = 1 + ln 2
    public void ClosedGateAndNoShift_KeepTheFocus_AndTheGradientThroughTheZeroWeights_IsHandComputed(float sharpening)
    {
        // σ(−200) = 0 and softmax(−200, 200, −200) = (0, 1, 0) in float32: w_g = w_prev = one-hot on row 2 and the shifted
        // weights are exactly (0, 0, 1, 0, 0). Sharpening a one-hot keeps it. With a probe p, ∂L/∂w_prev(j) =
        // γ·u_j^(γ−1)·(p_j − p_2): at γ = 1, u^0 = 1 on the zero rows too (p_j − p_2); at γ > 1 it is 0 there, and 0 at row 2.
        var memory = Tensor.Normal(new Generator(3), [1, 5, 3]);
        var previous = new Tensor([0f, 0f, 1f, 0f, 0f], 1, 1, 5).RequireGrad();
        var head = new NtmHeadInterface(new Tensor([1f, -1f, 0.5f], 1, 1, 3), new Tensor([2f], 1, 1), new Tensor([-200f], 1, 1),
            new Tensor([-200f, 200f, -200f], 1, 1, 3), new Tensor([sharpening], 1, 1));
        var weights = NtmAddressing.Address(memory, previous, head);
        Assert.Equal([0f, 0f, 1f, 0f, 0f], weights.ToArray());
        var probe = new Tensor([0.5f, -1f, 2f, 3f, 0.25f], 1, 1, 5);
        (weights * probe).Sum().Backward();
        float[] expected = sharpening < -100f ? [-1.5f, -3f, 0f, 1f, -1.75f] : [0f, 0f, 0f, 0f, 0f];
        FiniteDifference.AssertClose(expected, previous.Grad!.Values, 1e-6, 1e-6, "dw_prev");
        KernelComparison.AssertSameForwardAndGradients(Fused, Unfused,
            [memory, previous.Detach(), head.Keys, head.Strengths, head.Gates, head.Shifts, head.Sharpening], rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void LargeGamma_MatchesTheSharpeningComputedInDouble_WithoutUnderflow()
    {
        // γ = 1 + softplus(300) = 301: w̃^301 underflows float32 for every w̃ < 0.74, so the sum must be taken on w̃ / max.
        // Expected: u^γ / Σ u^γ in double from the shifted weights (the unfused composition with γ = 1 gives them).
        var x = Inputs(20, 2, 2, 16, 8);
        x[6] = Tensor.Full([2, 2], 300f);
        var fused = Fused(x);
        var shifted = Unfused([x[0], x[1], x[2], x[3], x[4], x[5], Tensor.Full([2, 2], -120f)]);
        for (int r = 0; r < 4; r++)
        {
            var row = shifted.Values.Slice(r * 16, 16).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Pow(v / max, 301));
            var expected = row.Select(v => (float)(Math.Pow(v / max, 301) / sum)).ToArray();
            FiniteDifference.AssertClose(expected, fused.Values.Slice(r * 16, 16), 1e-3, 1e-30, $"row {r}");
            Assert.True(expected.Max() > 0.5f, "the test should sharpen towards one row");
        }
    }

    [Fact]
    public void LargeBatch_EqualsEachItemComputedAlone_BitForBit()
    {
        // Over the threshold where items run on several threads, and with a backward scratch too large for the stack.
        const int batch = 16, heads = 2, cells = 1024, width = 32;
        var inputs = Inputs(21, batch, heads, cells, width);
        foreach (var x in inputs) x.RequireGrad();
        var all = Fused(inputs);
        var probe = Tensor.Uniform(new Generator(4), all.ShapeArray(), -1f, 1f);
        (all * probe).Sum().Backward();
        for (int b = 0; b < batch; b += 5)
        {
            var one = inputs.Select(x => x.Slice(0, b, 1).Clone().RequireGrad()).ToArray();
            var w = Fused(one);
            (w * probe.Slice(0, b, 1)).Sum().Backward();
            KernelComparison.AssertBitIdentical(all.Slice(0, b, 1).Values, w.Values, $"weights of item {b}");
            for (int i = 0; i < inputs.Length; i++)
                KernelComparison.AssertBitIdentical(inputs[i].Grad!.Slice(0, b, 1).Values, one[i].Grad!.Values, $"gradient {i} of item {b}");
        }
    }

    [Fact]
    public void ShapeErrors_NameTheOpAndThePart()
    {
        var x = Inputs(22, 2, 1, 5, 3);
        var ex = Assert.Throws<ShapeMismatchException>(() => NtmAddressing.Address(x[0], x[1], new NtmHeadInterface(x[2], x[3], x[4], Tensor.Zeros(2, 1, 4), x[6])));
        Assert.Contains("NtmAddressing.Address: the heads' shifts must be [2, 1, 3], got [2, 1, 4]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => NtmAddressing.Address(x[0], x[1], new NtmHeadInterface(Tensor.Zeros(2, 1, 4), x[3], x[4], x[5], x[6])));
        Assert.Contains("keys must be [2, 1, 3], got [2, 1, 4]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => NtmAddressing.Address(x[0], Tensor.Zeros(2, 1, 6), new NtmHeadInterface(x[2], x[3], x[4], x[5], x[6])));
        Assert.Contains("NtmAddressing.Address", ex.Message);
        Assert.Contains("[2, 1, 6]", ex.Message);
    }
}
