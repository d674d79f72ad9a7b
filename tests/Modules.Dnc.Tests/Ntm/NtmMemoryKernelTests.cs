using Modules.Dnc.Tests.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

/// <summary>
/// <see cref="NtmMemory.Read"/> and <see cref="NtmMemory.Write"/>, fused, against the compositions they replaced: the batched
/// matrix product <c>w·M</c>, and the element-wise erase products and the add product (<see cref="UnfusedReference.EraseAndWrite"/>).
/// </summary>
public class NtmMemoryKernelTests
{
    [Theory]
    [InlineData(2, 1, 5, 3)]
    [InlineData(3, 4, 16, 16)]
    [InlineData(2, 1, 128, 20)]
    public void Read_ForwardAndGradients_MatchTheBatchedProduct(int batch, int heads, int cells, int width)
    {
        var g = new Generator(31);
        Tensor[] inputs = [Tensor.Normal(g, [batch, cells, width]), Tensor.Softmax(Tensor.Normal(g, [batch, heads, cells]), -1)];
        KernelComparison.AssertSameForwardAndGradients(x => NtmMemory.Read(x[0], x[1]), x => Tensor.MatMul(x[1], x[0]), inputs, rtol: 1e-5, atol: 1e-6);
        KernelComparison.AssertSameForwardAndGradients(x => NtmMemory.Read(x[0], x[1]), x => Tensor.MatMul(x[1], x[0]), inputs, rtol: 1e-5, atol: 1e-6,
            differentiable: [false, true]);
    }

    [Fact]
    public void Read_Gradients_MatchFiniteDifferences()
    {
        var g = new Generator(32);
        FiniteDifference.Check(x => NtmMemory.Read(x[0], x[1]), [Tensor.Normal(g, [2, 5, 3]), Tensor.Softmax(Tensor.Normal(g, [2, 2, 5]), -1)], eps: 1e-3f, atol: 1e-3);
    }

    [Theory]
    [InlineData(2, 1, 5, 3)]
    [InlineData(2, 3, 16, 16)]
    [InlineData(2, 1, 128, 20)]
    public void Write_ForwardAndGradients_MatchTheUnfusedComposition(int batch, int heads, int cells, int width)
    {
        var g = new Generator(33);
        Tensor[] inputs = [Tensor.Normal(g, [batch, cells, width]), Tensor.Softmax(Tensor.Normal(g, [batch, heads, cells]), -1),
            Tensor.Uniform(g, [batch, heads, width]), Tensor.Normal(g, [batch, heads, width])];
        KernelComparison.AssertSameForwardAndGradients(x => NtmMemory.Write(x[0], x[1], x[2], x[3]),
            x => UnfusedReference.EraseAndWrite(x[0], x[1], x[2], x[3]), inputs, rtol: 1e-5, atol: 1e-6);
    }
}
