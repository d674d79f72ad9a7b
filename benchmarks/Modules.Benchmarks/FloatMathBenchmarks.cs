using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>
/// exp, sigmoid and tanh over 4096 floats (L1-resident, no allocation): the runtime's TensorPrimitives, which widen
/// every lane to double, against <see cref="FloatMath"/>, which stays in float, on the widest path of this CPU.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class FloatMathBenchmarks
{
    private readonly float[] x = new float[4096], y = new float[4096];

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(5);
        for (int i = 0; i < x.Length; i++) x[i] = 20f * g.NextFloat() - 10f;
    }

    [Benchmark(Baseline = true)] public void ExpTensorPrimitives() => TensorPrimitives.Exp(x, y);
    [Benchmark] public void ExpFloatMath() => FloatMath.Exp(x, y);
    [Benchmark] public void SigmoidTensorPrimitives() => TensorPrimitives.Sigmoid(x, y);
    [Benchmark] public void SigmoidFloatMath() => FloatMath.Sigmoid(x, y);
    [Benchmark] public void TanhTensorPrimitives() => TensorPrimitives.Tanh(x, y);
    [Benchmark] public void TanhFloatMath() => FloatMath.Tanh(x, y);
}
