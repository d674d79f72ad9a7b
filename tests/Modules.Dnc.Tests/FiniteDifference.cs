using Modules.Tensors;

namespace Modules.Dnc.Tests;

/// <summary>Gradient checks and closeness assertions for the DNC tests.</summary>
public static class FiniteDifference
{
    /// <summary>The tensor engine's gradient check (shared source), with this project's probe seed.</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float eps = 1e-2f, double rtol = 2e-2, double atol = 2e-3, ulong seed = 11) =>
        Modules.Tensors.Tests.GradCheck.Assert(f, inputs, eps, rtol, atol, seed);

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
