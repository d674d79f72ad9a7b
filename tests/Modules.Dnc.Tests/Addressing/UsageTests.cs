using Modules.Tensors;

namespace Modules.Dnc.Tests.Addressing;

public class UsageTests
{
    [Fact]
    public void FullyWrittenCell_HasUsageExactlyOne()
    {
        var u = Usage.Update(new Tensor([0.3f, 0.2f, 0f], 1, 3), new Tensor([0f, 1f, 0f], 1, 1, 3), Tensor.Zeros(1, 1), Tensor.Zeros(1, 1, 3));
        Assert.Equal([0.3f, 1f, 0f], u.ToArray());
    }

    [Fact]
    public void FullyFreedReadCell_HasUsageExactlyZero()
    {
        var u = Usage.Update(new Tensor([0.3f, 0.9f, 0.6f], 1, 3), Tensor.Zeros(1, 1, 3), new Tensor([1f, 0.5f], 1, 2),
            new Tensor([0f, 0f, 1f, 0f, 0f, 0f], 1, 2, 3));
        Assert.Equal(0f, u.Values[2]);
        Assert.Equal([0.3f, 0.9f], u.Values.Slice(0, 2).ToArray());
    }

    [Fact]
    public void HandComputedCase_TwoWritesTwoReads()
    {
        // written = 1 − (1 − 0.5)(1 − 0.2) = 0.6 → u = 0.5 + 0.5·0.6 = 0.8; ψ = (1 − 0.5·0.4)(1 − 1·0.25) = 0.6 → 0.48.
        var u = Usage.Update(new Tensor([0.5f], 1, 1), new Tensor([0.5f, 0.2f], 1, 2, 1), new Tensor([0.5f, 1f], 1, 2), new Tensor([0.4f, 0.25f], 1, 2, 1));
        Assert.Equal(0.48f, u.Values[0], 1e-6f);
    }

    [Fact]
    public void WriteWeightsGetNoGradient()
    {
        var write = new Tensor([0.5f, 0.1f], 1, 1, 2).RequireGrad();
        var free = new Tensor([0.5f], 1, 1).RequireGrad();
        var prev = new Tensor([0.2f, 0.3f], 1, 2).RequireGrad();
        Usage.Update(prev, write, free, new Tensor([0.3f, 0.7f], 1, 1, 2)).Sum().Backward();
        Assert.Null(write.Grad);
        Assert.NotNull(free.Grad);
        Assert.NotNull(prev.Grad);
    }
}
