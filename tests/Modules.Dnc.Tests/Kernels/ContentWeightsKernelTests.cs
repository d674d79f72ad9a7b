using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class ContentWeightsKernelTests
{
    private static Tensor[] Inputs(ulong seed, int batch, int heads, int cells, int width)
    {
        var rng = new Generator(seed);
        return [Tensor.Normal(rng, [batch, cells, width]), Tensor.Normal(rng, [batch, heads, width]), Tensor.Normal(rng, [batch, heads], 0f, 2f)];
    }

    [Theory]
    [InlineData(2, 2, 5, 3)]
    [InlineData(3, 4, 16, 16)]
    [InlineData(2, 1, 128, 32)]
    public void ForwardAndGradients_MatchTheUnfusedComposition(int batch, int heads, int cells, int width)
    {
        KernelComparison.AssertSameForwardAndGradients(x => CosineWeights.Compute(x[0], x[1], x[2]),
            x => UnfusedReference.ContentWeights(x[0], x[1], x[2]), Inputs(31, batch, heads, cells, width), rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void ZeroMemoryAndZeroKeys_MatchTheUnfusedComposition()
    {
        // All norms are sqrt(ε): the ε terms decide every value, so their placement is what this compares.
        var inputs = Inputs(5, 2, 2, 5, 3);
        inputs[0].Data.Clear();
        inputs[1].Data[..3].Clear();
        KernelComparison.AssertSameForwardAndGradients(x => CosineWeights.Compute(x[0], x[1], x[2]),
            x => UnfusedReference.ContentWeights(x[0], x[1], x[2]), inputs, rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        FiniteDifference.Check(x => CosineWeights.Compute(x[0], x[1], x[2]), Inputs(8, 2, 2, 5, 3), eps: 1e-2f);
    }

    [Fact]
    public void OnlyTheStrengthsRequireGradient_GivesTheSameStrengthGradient()
    {
        var inputs = Inputs(12, 2, 3, 5, 3);
        KernelComparison.AssertSameForwardAndGradients(x => CosineWeights.Compute(x[0], x[1], x[2]),
            x => UnfusedReference.ContentWeights(x[0], x[1], x[2]), inputs, rtol: 1e-4, atol: 1e-6, differentiable: [false, false, true]);
    }

    [Fact]
    public void LargeBatch_EqualsEachItemComputedAlone_BitForBit()
    {
        // The large batch goes over the threshold where items run on several threads (and its scratch is too large for the
        // stack); one item alone does not.
        const int batch = 32, heads = 4, cells = 512, width = 64;
        var inputs = Inputs(40, batch, heads, cells, width);
        foreach (var x in inputs) x.RequireGrad();
        var all = CosineWeights.Compute(inputs[0], inputs[1], inputs[2]);
        var probe = Tensor.Uniform(new Generator(3), all.ShapeArray(), -1f, 1f);
        (all * probe).Sum().Backward();
        for (int b = 0; b < batch; b += 7)
        {
            var one = inputs.Select(x => x.Slice(0, b, 1).Clone().RequireGrad()).ToArray();
            var w = CosineWeights.Compute(one[0], one[1], one[2]);
            (w * probe.Slice(0, b, 1)).Sum().Backward();
            KernelComparison.AssertBitIdentical(all.Slice(0, b, 1).Values, w.Values, $"weights of item {b}");
            for (int i = 0; i < 3; i++)
                KernelComparison.AssertBitIdentical(inputs[i].Grad!.Slice(0, b, 1).Values, one[i].Grad!.Values, $"gradient {i} of item {b}");
        }
    }
}
