using Modules.Tensors;

namespace Modules.Dnc.Tests;

/// <summary>Checks autograd gradients of Σ f(inputs)·probe against central finite differences.</summary>
public static class FiniteDifference
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float eps = 1e-2f, double rtol = 2e-2, double atol = 2e-3, ulong seed = 11)
    {
        foreach (var x in inputs) { x.RequireGrad(); x.Grad = null; }
        var output = f(inputs);
        var probe = Tensor.Uniform(new Generator(seed), output.ShapeArray(), -1f, 1f);
        (output * probe).Sum().Backward();

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
            for (int i = 0; i < x.Size; i++)
            {
                float saved = x.Data[i];
                x.Data[i] = saved + eps; double plus = Objective();
                x.Data[i] = saved - eps; double minus = Objective();
                x.Data[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double got = analytic.Values[i];
                Assert.True(Math.Abs(got - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"gradient of input {n} at flat index {i}: autograd {got}, finite difference {numeric}");
            }
        }
    }

    public static void AssertClose(float[] expected, ReadOnlySpan<float> actual, double rtol, double atol, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= atol + rtol * Math.Abs(expected[i]),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    public static void AssertFinite(ReadOnlySpan<float> values, string what)
    {
        for (int i = 0; i < values.Length; i++) Assert.True(float.IsFinite(values[i]), $"{what}[{i}] = {values[i]}");
    }
}
