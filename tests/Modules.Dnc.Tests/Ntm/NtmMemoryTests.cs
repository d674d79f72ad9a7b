using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

public class NtmMemoryTests
{
    [Fact]
    public void Read_IsTheWeightedSumOfRows()
    {
        var memory = new Tensor([1, 2, 3, 4, 5, 6], 1, 3, 2);
        var weights = new Tensor([0.5f, 0.25f, 0.25f, 0, 0, 1], 1, 2, 3);
        // (0.5·(1,2) + 0.25·(3,4) + 0.25·(5,6), row 2).
        FiniteDifference.AssertClose([2.5f, 3.5f, 5, 6], NtmMemory.Read(memory, weights).Values, 1e-6, 1e-7, "read");
    }

    [Fact]
    public void Write_WithTwoHeads_ErasesForEveryHeadBeforeAnyAdd()
    {
        // Head 0 erases row 0's first column entirely and adds (5, 5) there; head 1 half-erases both rows by half and adds
        // (0.5, 0) to each. Erase all, then add: keep = (0, 0.75 | 0.75, 0.75), M̃ = (0, 1.5 | 2.25, 3), add = (5.5, 5 | 0.5, 0).
        // (Head by head, row 0 would be (4.25, 5.25): head 1's erase would eat into head 0's add.)
        var memory = new Tensor([1, 2, 3, 4], 1, 2, 2);
        var weights = new Tensor([1, 0, 0.5f, 0.5f], 1, 2, 2);
        var erase = new Tensor([1, 0, 0.5f, 0.5f], 1, 2, 2);
        var add = new Tensor([5, 5, 1, 0], 1, 2, 2);
        FiniteDifference.AssertClose([5.5f, 6.5f, 2.75f, 3f], NtmMemory.Write(memory, weights, erase, add).Values, 1e-6, 1e-6, "two heads");
    }

    [Fact]
    public void Write_WithOneHead_IsEraseThenAdd()
    {
        // M(i) ⊙ (1 − w(i)·e) + w(i)·a with w = (0.25, 0.75), e = (1, 0.5), a = (2, −2).
        var memory = new Tensor([1, 2, 3, 4], 1, 2, 2);
        var written = NtmMemory.Write(memory, new Tensor([0.25f, 0.75f], 1, 1, 2), new Tensor([1, 0.5f], 1, 1, 2), new Tensor([2, -2f], 1, 1, 2));
        FiniteDifference.AssertClose([0.75f + 0.5f, 1.75f - 0.5f, 0.75f + 1.5f, 2.5f - 1.5f], written.Values, 1e-6, 1e-6, "one head");
    }

    [Fact]
    public void WriteThenContentRead_OfTheSameKey_ReturnsTheWrittenVector()
    {
        // Rows unlike the key (cosine ≤ 0.88 with it), a full erase and add at row 2, then a content read keyed by the added
        // vector with softplus(β) ≈ 100: other rows get at most e^(−100·0.12) ≈ 6e-6 of the weight, so the read is within 1e-3.
        var memory = new Tensor([1, 0, 0, 0, 1, 0, 0.3f, 0.3f, 0.3f, 0, 0, 1, -1, -1, -1], 1, 5, 3);
        var vector = new Tensor([0.9f, -0.4f, 0.3f], 1, 1, 3);
        var writeWeights = new Tensor([0, 0, 1, 0, 0], 1, 1, 5);
        var written = NtmMemory.Write(memory, writeWeights, Tensor.Ones(1, 1, 3), vector);

        var readWeights = NtmAddressing.Content(written, vector, new Tensor([100f], 1, 1));
        Assert.True(readWeights.At(0, 0, 2) > 0.999f, $"weight on the written row: {readWeights.At(0, 0, 2)}");
        FiniteDifference.AssertClose(vector.ToArray(), NtmMemory.Read(written, readWeights).Values, 0, 1e-3, "read back");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Write_Gradients_MatchFiniteDifferences(int heads)
    {
        var g = new Generator(12);
        var memory = Tensor.Normal(g, [2, 5, 3]);
        var weights = Tensor.Softmax(Tensor.Normal(g, [2, heads, 5]), -1);
        var erase = Tensor.Uniform(g, [2, heads, 3], 0f, 1f);
        var add = Tensor.Normal(g, [2, heads, 3]);
        FiniteDifference.Check(x => NtmMemory.Write(x[0], x[1], x[2], x[3]), [memory, weights, erase, add], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void Write_WithAFullErase_PassesNoGradientThroughTheErasedCell_AndStaysFinite()
    {
        // Two heads fully erase the same cell: keep = 0·0, so ∂M'/∂M = 0 there, and each head's erase gradient sees the
        // other's zero factor (a product over the other heads, not a division by its own factor).
        var memory = new Tensor([2f, 3f], 1, 1, 2).RequireGrad();
        var weights = new Tensor([1f, 1f], 1, 2, 1).RequireGrad();
        var erase = new Tensor([1f, 0f, 1f, 0f], 1, 2, 2).RequireGrad();
        var add = Tensor.Zeros(1, 2, 2).RequireGrad();
        NtmMemory.Write(memory, weights, erase, add).Sum().Backward();
        FiniteDifference.AssertClose([0f, 1f], memory.Grad!.Values, 0, 1e-7, "dM");
        FiniteDifference.AssertClose([0f, -3f, 0f, -3f, 0f, 0f], [.. erase.Grad!.Values, .. weights.Grad!.Values], 0, 1e-6, "de, dw");
    }

    [Fact]
    public void ShapeErrors_NameTheFunctionAndTheShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            NtmMemory.Write(Tensor.Zeros(2, 5, 3), Tensor.Zeros(2, 1, 5), Tensor.Zeros(2, 1, 4), Tensor.Zeros(2, 1, 3)));
        Assert.Contains("NtmMemory.Write", ex.Message);
        Assert.Contains("[2, 1, 4]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => NtmMemory.Read(Tensor.Zeros(2, 5, 3), Tensor.Zeros(2, 1, 4)));
        Assert.Contains("NtmMemory.Read", ex.Message);
    }
}
