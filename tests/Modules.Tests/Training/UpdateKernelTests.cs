using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Training;

/// <summary>
/// The optimizers' single-pass updates on parameters long enough for the vectorized body and the scalar tail:
/// every element follows the textbook formula (computed here in double precision), and the vectorized elements are
/// bit-identical to the same element updated alone (scalar path).
/// </summary>
public class UpdateKernelTests
{
    private const int Length = 37; // several SIMD vectors of any width, plus a tail

    public static TheoryData<string> Optimizers => new() { "sgd", "sgd-momentum", "rmsprop-tf1", "rmsprop-tf1-momentum", "rmsprop-pytorch", "rmsprop-pytorch-momentum", "adam" };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "sgd-momentum" => new Sgd(0.1f, momentum: 0.9f),
        "rmsprop-tf1" => RmsProp.TensorFlow1(0.01f),
        "rmsprop-tf1-momentum" => RmsProp.TensorFlow1(0.01f, momentum: 0.5f),
        "rmsprop-pytorch" => RmsProp.PyTorch(0.01f),
        "rmsprop-pytorch-momentum" => RmsProp.PyTorch(0.01f, momentum: 0.5f),
        "adam" => new Adam(0.01f),
        _ => throw new ArgumentException(name),
    };

    private static float Gradient(int step, int i) => MathF.Sin(1.3f * i + 0.7f * step) * (1 + i % 5);

    private static float Initial(int i) => MathF.Cos(0.9f * i);

    /// <summary>The update written out per element in double precision.</summary>
    private static double[] Reference(string name, int steps)
    {
        var p = new double[Length];
        var s1 = new double[Length];
        var s2 = new double[Length];
        for (int i = 0; i < Length; i++) { p[i] = Initial(i); s1[i] = name.StartsWith("rmsprop-tf1", StringComparison.Ordinal) ? 1 : 0; }
        for (int t = 1; t <= steps; t++)
            for (int i = 0; i < Length; i++)
            {
                double g = Gradient(t - 1, i);
                switch (name)
                {
                    case "sgd": p[i] -= 0.1 * g; break;
                    case "sgd-momentum": s1[i] = 0.9 * s1[i] + g; p[i] -= 0.1 * s1[i]; break;
                    case "rmsprop-tf1": s1[i] = 0.9 * s1[i] + 0.1 * g * g; p[i] -= 0.01 * g / Math.Sqrt(s1[i] + 1e-10); break;
                    case "rmsprop-tf1-momentum":
                        s1[i] = 0.9 * s1[i] + 0.1 * g * g; s2[i] = 0.5 * s2[i] + 0.01 * g / Math.Sqrt(s1[i] + 1e-10); p[i] -= s2[i]; break;
                    case "rmsprop-pytorch": s1[i] = 0.99 * s1[i] + 0.01 * g * g; p[i] -= 0.01 * g / (Math.Sqrt(s1[i]) + 1e-8); break;
                    case "rmsprop-pytorch-momentum":
                        s1[i] = 0.99 * s1[i] + 0.01 * g * g; s2[i] = 0.5 * s2[i] + g / (Math.Sqrt(s1[i]) + 1e-8); p[i] -= 0.01 * s2[i]; break;
                    case "adam":
                        s1[i] = 0.9 * s1[i] + 0.1 * g; s2[i] = 0.999 * s2[i] + 0.001 * g * g;
                        p[i] -= 0.01 / (1 - Math.Pow(0.9, t)) * s1[i] / (Math.Sqrt(s2[i]) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-8); break;
                }
            }
        return p;
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void EveryElementFollowsTheFormulaAndMatchesTheScalarPath(string name)
    {
        const int steps = 3;
        var whole = new Tensor(Enumerable.Range(0, Length).Select(Initial).ToArray(), Length).RequireGrad();
        var wholeOptimizer = Create(name);
        var single = Enumerable.Range(0, Length).Select(i => new Tensor([Initial(i)], 1).RequireGrad()).ToArray();
        var singleOptimizer = Create(name);
        var singleParameters = single.Select((t, i) => new KeyValuePair<string, Tensor>($"p{i}", t)).ToList();
        for (int t = 0; t < steps; t++)
        {
            whole.Grad = new Tensor(Enumerable.Range(0, Length).Select(i => Gradient(t, i)).ToArray(), Length);
            wholeOptimizer.Step([new("w", whole)]);
            for (int i = 0; i < Length; i++) single[i].Grad = new Tensor([Gradient(t, i)], 1);
            singleOptimizer.Step(singleParameters);
        }
        var expected = Reference(name, steps);
        for (int i = 0; i < Length; i++)
        {
            float got = whole.Values[i];
            Assert.True(Math.Abs(got - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"{name}[{i}]: expected {expected[i]:R}, got {got:R}");
            Assert.Equal(single[i].Values[0], got);
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ClippingAndStepsAfterTheFirstAllocateNothing(string name)
    {
        var optimizer = Create(name);
        var parameters = Enumerable.Range(0, 4)
            .Select(k => new KeyValuePair<string, Tensor>($"net/p{k}", Tensor.Ones(Length).RequireGrad()))
            .ToList();
        foreach (var (_, p) in parameters) p.Grad = Tensor.Full([Length], 0.5f);
        for (int i = 0; i < 3; i++) optimizer.Step(parameters); // creates the slots
        GradientClipping.ClipGradientsByGlobalNorm(parameters, 1f);
        long before = GC.GetAllocatedBytesForCurrentThread();
        float norm = GradientClipping.ClipGradientsByGlobalNorm(parameters, 1f);
        optimizer.Step(parameters);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1f, norm, 5); // clipped to 1 by the previous call
    }
}
