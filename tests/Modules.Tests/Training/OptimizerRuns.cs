using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Training;

/// <summary>Runs an optimizer for three steps on one two-element parameter with fixed gradients.</summary>
internal static class OptimizerRuns
{
    /// <summary>The parameter starts at [1, −2].</summary>
    public static readonly float[] Initial = [1f, -2f];

    /// <summary>Gradients of steps 1, 2, 3 (a zero entry checks the ε handling, a sign flip the momentum).</summary>
    public static readonly float[][] Gradients = [[0.5f, 2f], [-1f, 0f], [2f, -0.5f]];

    public static float[][] RunThreeSteps(Optimizer optimizer, string path = "net/w")
    {
        var p = new Tensor((float[])Initial.Clone(), 2).RequireGrad();
        var parameters = new[] { new KeyValuePair<string, Tensor>(path, p) };
        var after = new float[3][];
        for (int step = 0; step < 3; step++)
        {
            p.Grad = new Tensor((float[])Gradients[step].Clone(), 2);
            optimizer.Step(parameters);
            after[step] = p.ToArray();
        }
        return after;
    }

    public static void AssertSteps(float[][] expected, float[][] actual, float tolerance = 2e-6f)
    {
        for (int step = 0; step < expected.Length; step++)
            for (int i = 0; i < expected[step].Length; i++)
                Assert.True(Math.Abs(expected[step][i] - actual[step][i]) <= tolerance,
                    $"step {step + 1}, element {i}: expected {expected[step][i]:R}, got {actual[step][i]:R}");
    }
}
