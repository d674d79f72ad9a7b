using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>Runs a fused kernel and its unfused reference on copies of the same inputs and compares values and gradients.</summary>
public static class KernelComparison
{
    /// <summary>
    /// Asserts both functions give the same output and the same gradients of Σ output·probe (random probe) with respect
    /// to every input marked in <paramref name="differentiable"/> (all inputs when null).
    /// </summary>
    public static void AssertSameForwardAndGradients(Func<Tensor[], Tensor> fused, Func<Tensor[], Tensor> reference, Tensor[] inputs,
        double rtol, double atol, bool[]? differentiable = null)
    {
        var (fusedOutput, fusedGrads) = Run(fused, inputs, differentiable);
        var (referenceOutput, referenceGrads) = Run(reference, inputs, differentiable);
        Assert.Equal(referenceOutput.ShapeArray(), fusedOutput.ShapeArray());
        FiniteDifference.AssertClose(referenceOutput.ToArray(), fusedOutput.Values, rtol, atol, "output");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (referenceGrads[i] is null) { Assert.Null(fusedGrads[i]); continue; }
            FiniteDifference.AssertClose(referenceGrads[i]!, fusedGrads[i]!, rtol, atol, $"gradient of input {i}");
        }
    }

    private static (Tensor Output, float[]?[] Grads) Run(Func<Tensor[], Tensor> f, Tensor[] inputs, bool[]? differentiable)
    {
        var copies = inputs.Select((x, i) => differentiable is null || differentiable[i] ? x.Clone().RequireGrad() : x.Clone()).ToArray();
        var output = f(copies);
        var probe = Tensor.Uniform(new Generator(23), output.ShapeArray(), -1f, 1f);
        (output * probe).Sum().Backward();
        return (output, copies.Select(c => c.RequiresGrad ? (c.Grad ?? Tensor.Zeros(c.ShapeArray())).ToArray() : null).ToArray());
    }

    /// <summary>Asserts two tensors hold exactly the same floats (bit for bit).</summary>
    public static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: {expected[i]} vs {actual[i]}");
    }
}
