using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class AllocationKernelTests
{
    /// <summary>Usage [B, N] with cells spaced apart so a finite-difference step never reorders them.</summary>
    private static Tensor SpacedUsage(Generator rng, int batch, int cells)
    {
        var usage = Tensor.Zeros(batch, cells);
        for (int b = 0; b < batch; b++)
        {
            var perm = Enumerable.Range(0, cells).OrderBy(_ => rng.NextDouble()).ToArray();
            for (int i = 0; i < cells; i++) usage.Data[b * cells + i] = 0.05f + 0.9f / cells * perm[i] + 0.02f * rng.NextFloat();
        }
        return usage;
    }

    /// <summary>Usage with exact ties and exact zeros and ones, where only the tie order decides the result.</summary>
    private static Tensor TiedUsage() => new([0f, 0.5f, 0f, 0.5f, 1f, 0f, 0.25f, 0.25f, 0.25f, 0.25f, 1f, 1f], 2, 6);

    [Fact]
    public void SingleHead_ForwardIsBitIdenticalToTheUnfusedComposition_IncludingTies()
    {
        using var _ = Tensor.NoGrad();
        foreach (var usage in new[] { TiedUsage(), Tensor.Zeros(3, 7), Tensor.Uniform(new Generator(2), [4, 16]), Tensor.Ones(2, 5) })
            KernelComparison.AssertBitIdentical(UnfusedReference.Allocation(usage).Values, Allocation.Weights(usage).Values, "allocation");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SeveralHeads_ForwardIsBitIdenticalToTheUnfusedComposition(int writes)
    {
        using var _ = Tensor.NoGrad();
        var rng = new Generator(30);
        foreach (var usage in new[] { TiedUsage(), Tensor.Zeros(2, 6), Tensor.Uniform(rng, [2, 6]) })
        {
            var gates = Tensor.Uniform(rng, [2, writes]);
            gates.Data[0] = 1f;
            KernelComparison.AssertBitIdentical(UnfusedReference.WriteAllocation(usage, gates).Values,
                Allocation.WriteWeights(usage, gates).Values, "allocation");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Gradients_MatchTheUnfusedComposition(int writes)
    {
        var rng = new Generator(31);
        KernelComparison.AssertSameForwardAndGradients(x => Allocation.WriteWeights(x[0], x[1]), x => UnfusedReference.WriteAllocation(x[0], x[1]),
            [Tensor.Uniform(rng, [3, 16]), Tensor.Uniform(rng, [3, writes])], rtol: 1e-5, atol: 1e-6);
        KernelComparison.AssertSameForwardAndGradients(x => Allocation.WriteWeights(x[0], x[1]), x => UnfusedReference.WriteAllocation(x[0], x[1]),
            [TiedUsage(), Tensor.Uniform(rng, [2, writes])], rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void SingleHeadGradient_MatchesTheUnfusedComposition()
    {
        KernelComparison.AssertSameForwardAndGradients(x => Allocation.Weights(x[0]), x => UnfusedReference.Allocation(x[0]),
            [Tensor.Uniform(new Generator(32), [4, 9])], rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_TwoHeads()
    {
        var rng = new Generator(33);
        FiniteDifference.Check(x => Allocation.WriteWeights(x[0], x[1]), [SpacedUsage(rng, 2, 5), Tensor.Uniform(rng, [2, 2], 0.1f, 0.9f)],
            eps: 1e-3f, rtol: 3e-2, atol: 3e-3);
    }

    private static Tensor[] GatedInputs(Generator rng, int batch, int writes, int cells)
    {
        var content = Tensor.Uniform(rng, [batch, writes, cells]);
        content = content / content.Sum(-1, keepDim: true);
        return [SpacedUsage(rng, batch, cells), content.Detach().Clone(), Tensor.Uniform(rng, [batch, writes], 0.1f, 0.9f),
            Tensor.Uniform(rng, [batch, writes], 0.1f, 0.9f)];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GatedWriteWeights_ForwardBitIdentical_GradientsMatchTheUnfusedComposition(int writes)
    {
        var inputs = GatedInputs(new Generator(34), 3, writes, 16);
        using (Tensor.NoGrad())
            KernelComparison.AssertBitIdentical(UnfusedReference.WriteWeights(inputs[0], inputs[1], inputs[2], inputs[3]).Values,
                Allocation.GatedWriteWeights(inputs[0], inputs[1], inputs[2], inputs[3]).Values, "write weights");
        KernelComparison.AssertSameForwardAndGradients(x => Allocation.GatedWriteWeights(x[0], x[1], x[2], x[3]),
            x => UnfusedReference.WriteWeights(x[0], x[1], x[2], x[3]), inputs, rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void GatedWriteWeights_GradientsMatchFiniteDifferences()
    {
        FiniteDifference.Check(x => Allocation.GatedWriteWeights(x[0], x[1], x[2], x[3]), GatedInputs(new Generator(35), 2, 2, 5),
            eps: 1e-3f, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void GatedWriteWeights_WrongShapes_NameTheOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            Allocation.GatedWriteWeights(Tensor.Zeros(2, 5), Tensor.Zeros(2, 2, 5), Tensor.Zeros(2, 2), Tensor.Zeros(2, 3)));
        Assert.Contains("freeness", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }

    [Fact]
    public void LargeBatch_EqualsEachItemComputedAlone_BitForBit()
    {
        // Over the threshold where items run on several threads, with scratch too large for the stack; one item alone is not.
        const int batch = 32, writes = 2, cells = 8192;
        var inputs = GatedInputs(new Generator(36), batch, writes, cells);
        foreach (var x in inputs) x.RequireGrad();
        var all = Allocation.GatedWriteWeights(inputs[0], inputs[1], inputs[2], inputs[3]);
        var probe = Tensor.Uniform(new Generator(5), all.ShapeArray(), -1f, 1f);
        (all * probe).Sum().Backward();
        for (int b = 0; b < batch; b += 5)
        {
            var one = inputs.Select(x => x.Slice(0, b, 1).Clone().RequireGrad()).ToArray();
            var w = Allocation.GatedWriteWeights(one[0], one[1], one[2], one[3]);
            (w * probe.Slice(0, b, 1)).Sum().Backward();
            KernelComparison.AssertBitIdentical(all.Slice(0, b, 1).Values, w.Values, $"write weights of item {b}");
            for (int i = 0; i < inputs.Length; i++)
                KernelComparison.AssertBitIdentical(inputs[i].Grad!.Slice(0, b, 1).Values, one[i].Grad!.Values, $"gradient {i} of item {b}");
        }
    }
}
