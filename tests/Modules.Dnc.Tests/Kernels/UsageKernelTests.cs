using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class UsageKernelTests
{
    private static Tensor[] Inputs(ulong seed, int batch, int writes, int reads, int cells)
    {
        var rng = new Generator(seed);
        return [Tensor.Uniform(rng, [batch, cells]), Tensor.Uniform(rng, [batch, writes, cells], 0f, 0.5f),
            Tensor.Uniform(rng, [batch, reads]), Tensor.Uniform(rng, [batch, reads, cells])];
    }

    [Theory]
    [InlineData(2, 1, 1, 5)]
    [InlineData(2, 2, 3, 5)]
    [InlineData(4, 3, 4, 16)]
    public void ForwardAndGradients_MatchTheUnfusedComposition(int batch, int writes, int reads, int cells)
    {
        KernelComparison.AssertSameForwardAndGradients(x => Usage.Update(x[0], x[1], x[2], x[3]),
            x => UnfusedReference.Usage(x[0], x[1], x[2], x[3]), Inputs(6, batch, writes, reads, cells), rtol: 1e-6, atol: 1e-7);
    }

    [Fact]
    public void Forward_IsBitIdenticalToTheUnfusedComposition()
    {
        // Allocation sorts cells by usage, so even the last bit of the usage decides ties: the fused op keeps the order of operations.
        var inputs = Inputs(13, 3, 2, 4, 16);
        using var _ = Tensor.NoGrad();
        KernelComparison.AssertBitIdentical(UnfusedReference.Usage(inputs[0], inputs[1], inputs[2], inputs[3]).Values,
            Usage.Update(inputs[0], inputs[1], inputs[2], inputs[3]).Values, "usage");
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        // The write weights are a constant here: they pass through a stop-gradient (see WriteWeights_ReceiveNoGradient).
        var inputs = Inputs(21, 2, 2, 3, 5);
        var writeWeights = inputs[1];
        FiniteDifference.Check(x => Usage.Update(x[0], writeWeights, x[1], x[2]), [inputs[0], inputs[2], inputs[3]], eps: 1e-3f);
    }

    [Fact]
    public void WriteWeights_ReceiveNoGradient()
    {
        var inputs = Inputs(22, 2, 2, 3, 5);
        foreach (var x in inputs) x.RequireGrad();
        Usage.Update(inputs[0], inputs[1], inputs[2], inputs[3]).Sum().Backward();
        Assert.Null(inputs[1].Grad);
        Assert.NotNull(inputs[0].Grad);
    }

    [Fact]
    public void WrongShapes_NameTheOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Usage.Update(Tensor.Zeros(2, 5), Tensor.Zeros(2, 1, 5), Tensor.Zeros(2, 3), Tensor.Zeros(2, 3, 4)));
        Assert.Contains("freeness", ex.Message);
        Assert.Contains("[2, 3, 4]", ex.Message);
    }
}
