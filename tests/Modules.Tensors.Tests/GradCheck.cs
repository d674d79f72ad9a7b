using Modules.Tensors;

namespace Modules.Tensors.Tests;

/// <summary>Compares autograd gradients with central finite differences computed in float64 accumulation.</summary>
public static class GradCheck
{
    /// <summary>
    /// Checks ∂(Σ f(inputs)·probe)/∂input for every input against central differences.
    /// Inputs are perturbed in place by ±<paramref name="eps"/>.
    /// </summary>
    public static void Assert(Func<Tensor[], Tensor> f, Tensor[] inputs, float eps = 1e-2f, double rtol = 2e-2, double atol = 2e-3, ulong seed = 7)
    {
        foreach (var x in inputs) { x.RequireGrad(); x.Grad = null; }
        var output = f(inputs);
        var probe = Tensor.Uniform(new Generator(seed), output.ShapeArray(), -1f, 1f);
        Tensor.Mul(output, probe).Sum().Backward();

        double Objective()
        {
            using var _ = Tensor.NoGrad();
            var o = f(inputs).Values; var p = probe.Values;
            double s = 0;
            for (int i = 0; i < o.Length; i++) s += (double)o[i] * p[i];
            return s;
        }

        for (int n = 0; n < inputs.Length; n++)
        {
            var x = inputs[n];
            var analytic = x.Grad ?? Tensor.Zeros(x.ShapeArray());
            var data = x.Data;
            for (int i = 0; i < data.Length; i++)
            {
                float saved = data[i];
                data[i] = saved + eps; double plus = Objective();
                data[i] = saved - eps; double minus = Objective();
                data[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double got = analytic.Values[i];
                if (Math.Abs(got - numeric) > atol + rtol * Math.Abs(numeric))
                    throw new Xunit.Sdk.XunitException($"gradient of input {n} at flat index {i}: autograd {got}, finite difference {numeric}");
            }
        }
    }
}
