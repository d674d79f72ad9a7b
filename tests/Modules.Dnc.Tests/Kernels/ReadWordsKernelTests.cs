using System.Runtime.Intrinsics.X86;
using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class ReadWordsKernelTests
{
    private static Tensor[] Inputs(ulong seed, int batch, int reads, int cells, int width)
    {
        var rng = new Generator(seed);
        return [Tensor.Uniform(rng, [batch, reads, cells]), Tensor.Normal(rng, [batch, cells, width])];
    }

    /// <summary>
    /// The GEMM's micro-kernels (AVX2/FMA or AVX-512) accumulate each output as the same chain of fused multiply-adds; without
    /// them the engine's product takes its unfused row loop, which rounds differently, so only the tolerance test applies.
    /// </summary>
    private sealed class MicroKernelTheoryAttribute : TheoryAttribute
    {
        public MicroKernelTheoryAttribute()
        {
            if (!(Avx2.IsSupported && Fma.IsSupported))
                Skip = "no AVX2/FMA: the engine's product does not take the micro-kernel this kernel reproduces";
        }
    }

    [MicroKernelTheory]
    [InlineData(16, 4, 16, 16)]    // DeepMind's defaults
    [InlineData(3, 4, 128, 32)]    // the large configuration
    [InlineData(2, 3, 21, 13)]     // ragged: cells and words not a multiple of the vector width
    public void ForwardAndGradients_AreTheEnginesBatchedProductBitForBit(int batch, int reads, int cells, int width)
    {
        var inputs = Inputs(5, batch, reads, cells, width);
        var (fused, fusedGrads) = Run(x => ReadWordsKernel.Compute(x[0], x[1]), inputs);
        var (engine, engineGrads) = Run(x => Tensor.MatMul(x[0], x[1]), inputs);
        KernelComparison.AssertBitIdentical(engine, fused, "read words");
        KernelComparison.AssertBitIdentical(engineGrads[0], fusedGrads[0], "gradient of the read weights");
        KernelComparison.AssertBitIdentical(engineGrads[1], fusedGrads[1], "gradient of the memory");
    }

    [Theory]
    [InlineData(2, 1, 5, 3)]
    [InlineData(2, 4, 16, 16)]
    public void ForwardAndGradients_MatchTheEnginesProduct(int batch, int reads, int cells, int width)
    {
        KernelComparison.AssertSameForwardAndGradients(x => ReadWordsKernel.Compute(x[0], x[1]), x => Tensor.MatMul(x[0], x[1]),
            Inputs(7, batch, reads, cells, width), rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        FiniteDifference.Check(x => ReadWordsKernel.Compute(x[0], x[1]), Inputs(9, 2, 3, 5, 4), eps: 1e-2f);
    }

    [Fact]
    public void ReadsTheWeightedSumOfRows_HandComputed()
    {
        // Cells [1, 2], [3, 4], [5, 6]; head 0 reads 0.5·cell 0 + 0.5·cell 2 = [3, 4]; head 1 reads cell 1 = [3, 4] · 1.
        var weights = new Tensor([0.5f, 0, 0.5f, 0, 1, 0], 1, 2, 3).RequireGrad();
        var memory = new Tensor([1, 2, 3, 4, 5, 6], 1, 3, 2).RequireGrad();
        var words = ReadWordsKernel.Compute(weights, memory);
        Assert.Equal([3f, 4f, 3f, 4f], words.ToArray());
        // d(Σ words·[1, 10, 100, 1000])/dw[i, n] = g_i·M_n; dM[n] = Σ_i w[i, n]·g_i.
        (words * new Tensor([1, 10, 100, 1000], 1, 2, 2)).Sum().Backward();
        Assert.Equal([21f, 43f, 65f, 2100f, 4300f, 6500f], weights.Grad!.ToArray());
        Assert.Equal([0.5f, 5f, 100f, 1000f, 0.5f, 5f], memory.Grad!.ToArray());
    }

    private static (float[] Output, float[][] Grads) Run(Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        var copies = inputs.Select(x => x.Clone().RequireGrad()).ToArray();
        var output = f(copies);
        var probe = Tensor.Uniform(new Generator(23), output.ShapeArray(), -1f, 1f);
        (output * probe).Sum().Backward();
        return (output.ToArray(), copies.Select(c => c.Grad!.ToArray()).ToArray());
    }
}
