using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class EraseAndWriteKernelTests
{
    private static Tensor[] Inputs(ulong seed, int batch, int writes, int cells, int width)
    {
        var rng = new Generator(seed);
        return [Tensor.Normal(rng, [batch, cells, width]), Tensor.Uniform(rng, [batch, writes, cells]),
            Tensor.Uniform(rng, [batch, writes, width]), Tensor.Normal(rng, [batch, writes, width])];
    }

    [Theory]
    [InlineData(2, 1, 5, 3)]
    [InlineData(2, 2, 5, 3)]
    [InlineData(3, 3, 16, 16)]
    [InlineData(2, 1, 128, 32)]
    public void ForwardAndGradients_MatchTheUnfusedComposition(int batch, int writes, int cells, int width)
    {
        KernelComparison.AssertSameForwardAndGradients(x => MemoryAccess.EraseAndWrite(x[0], x[1], x[2], x[3]),
            x => UnfusedReference.EraseAndWrite(x[0], x[1], x[2], x[3]), Inputs(3, batch, writes, cells, width), rtol: 1e-5, atol: 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Gradients_MatchFiniteDifferences(int writes)
    {
        FiniteDifference.Check(x => MemoryAccess.EraseAndWrite(x[0], x[1], x[2], x[3]), Inputs(9, 2, writes, 5, 3), eps: 1e-2f);
    }

    [Fact]
    public void FullEraseAndWrite_ReplacesTheRow_HandComputed()
    {
        // Head 0 writes cell 1 with weight 1, erasing everything and writing [7, 8]; head 1 adds 0.5·[2, 2] to cell 0
        // after erasing half of it: 0.5·[1, 2] + [1, 1] = [1.5, 2].
        var memory = new Tensor([1, 2, 3, 4, 5, 6], 1, 3, 2);
        var weights = new Tensor([0, 1, 0, 0.5f, 0, 0], 1, 2, 3);
        var erase = new Tensor([1, 1, 1, 1], 1, 2, 2);
        var values = new Tensor([7, 8, 2, 2], 1, 2, 2);
        Assert.Equal([1.5f, 2f, 7f, 8f, 5f, 6f], MemoryAccess.EraseAndWrite(memory, weights, erase, values).ToArray());
    }

    [Fact]
    public void ErasedRowReceivesNoMemoryGradient_ButTheOtherHeadsStillSeeIt()
    {
        // Head 0 erases cell 0 completely: dM there is 0; head 1's erase gradient still depends on M·(1 − w₀e₀) = 0.
        var memory = new Tensor([1, 2, 3, 4], 1, 2, 2).RequireGrad();
        var weights = new Tensor([1, 0, 0.5f, 0.5f], 1, 2, 2).RequireGrad();
        var erase = new Tensor([1, 1, 0.3f, 0.6f], 1, 2, 2).RequireGrad();
        var values = Tensor.Zeros(1, 2, 2).RequireGrad();
        MemoryAccess.EraseAndWrite(memory, weights, erase, values).Sum().Backward();
        Assert.Equal(0f, memory.Grad!.Values[0]);
        Assert.Equal(0f, memory.Grad!.Values[1]);
        // de₁[d] = −Σ_n M[n,d]·(1 − w₀[n]e₀[d])·w₁[n] = −(3·1·0.5) for d = 0 (cell 0 contributes 0).
        Assert.Equal(-1.5f, erase.Grad!.Values[2], 6);
        Assert.Equal(-2f, erase.Grad!.Values[3], 6);
    }

    [Fact]
    public void WrongShapes_NameTheOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            MemoryAccess.EraseAndWrite(Tensor.Zeros(2, 5, 3), Tensor.Zeros(2, 1, 5), Tensor.Zeros(2, 1, 4), Tensor.Zeros(2, 1, 3)));
        Assert.Contains("EraseAndWrite", ex.Message);
        Assert.Contains("[2, 1, 4]", ex.Message);
    }

    [Fact]
    public void LargeBatch_EqualsEachItemComputedAlone_BitForBit()
    {
        // Over the threshold where items run on several threads; one item alone is not.
        const int batch = 32, writes = 2, cells = 256, width = 256;
        var inputs = Inputs(41, batch, writes, cells, width);
        foreach (var x in inputs) x.RequireGrad();
        var all = MemoryAccess.EraseAndWrite(inputs[0], inputs[1], inputs[2], inputs[3]);
        var probe = Tensor.Uniform(new Generator(4), all.ShapeArray(), -1f, 1f);
        (all * probe).Sum().Backward();
        for (int b = 0; b < batch; b += 9)
        {
            var one = inputs.Select(x => x.Slice(0, b, 1).Clone().RequireGrad()).ToArray();
            var m = MemoryAccess.EraseAndWrite(one[0], one[1], one[2], one[3]);
            (m * probe.Slice(0, b, 1)).Sum().Backward();
            KernelComparison.AssertBitIdentical(all.Slice(0, b, 1).Values, m.Values, $"memory of item {b}");
            for (int i = 0; i < inputs.Length; i++)
                KernelComparison.AssertBitIdentical(inputs[i].Grad!.Slice(0, b, 1).Values, one[i].Grad!.Values, $"gradient {i} of item {b}");
        }
    }
}
