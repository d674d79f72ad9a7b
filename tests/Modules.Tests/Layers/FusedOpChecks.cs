using Modules.Tensors;

namespace Modules.Tests.Layers;

/// <summary>Comparing a fused op with the composition it replaces: values and gradients of every input.</summary>
internal static class FusedOpChecks
{
    /// <summary>Random inputs in [−1, 1] of the given shapes from a fixed seed.</summary>
    public static Tensor[] RandomInputs(ulong seed, params int[][] shapes)
    {
        var rng = new Generator(seed);
        return shapes.Select(s => Tensor.Uniform(rng, s, -1f, 1f)).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="fused"/> and <paramref name="reference"/> on copies of <paramref name="inputs"/>; asserts
    /// that every output and the gradient of Σ_k Σ output_k·probe_k with respect to every input agree to
    /// <paramref name="tolerance"/> (absolute, plus the same relative).
    /// </summary>
    public static void AssertSameAsReference(Func<Tensor[], Tensor[]> fused, Func<Tensor[], Tensor[]> reference, Tensor[] inputs,
        float tolerance = 1e-5f)
    {
        var (fusedOutputs, fusedGrads) = Run(fused, inputs);
        var (referenceOutputs, referenceGrads) = Run(reference, inputs);
        Assert.Equal(referenceOutputs.Length, fusedOutputs.Length);
        for (int k = 0; k < fusedOutputs.Length; k++)
        {
            Assert.Equal(referenceOutputs[k].ShapeArray(), fusedOutputs[k].ShapeArray());
            AssertClose(referenceOutputs[k].ToArray(), fusedOutputs[k].ToArray(), tolerance, $"output {k}");
        }
        for (int n = 0; n < inputs.Length; n++)
            AssertClose(referenceGrads[n], fusedGrads[n], tolerance, $"gradient of input {n}");
    }

    private static (Tensor[] Outputs, float[][] Grads) Run(Func<Tensor[], Tensor[]> f, Tensor[] inputs)
    {
        var copies = inputs.Select(x => x.Clone().RequireGrad()).ToArray();
        var outputs = f(copies);
        var rng = new Generator(99);
        Tensor? loss = null;
        foreach (var output in outputs)
        {
            var term = (output * Tensor.Uniform(rng, output.ShapeArray(), -1f, 1f)).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();
        return (outputs, copies.Select(x => x.Grad?.ToArray() ?? new float[x.Size]).ToArray());
    }

    public static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
