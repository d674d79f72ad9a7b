using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>Adds a G-elements/s column (1M output elements per operation).</summary>
public sealed class ElementwiseConfig : ManualConfig
{
    public ElementwiseConfig() => AddColumn(new WorkColumn("Gelem/s", "Giga output elements per second", _ => ElementwiseBenchmarks.Length));
}

/// <summary>Element-wise ops on 1M floats through the public Tensor API (each allocates its 4 MB result).</summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 5)]
[Config(typeof(ElementwiseConfig))]
public class ElementwiseBenchmarks
{
    public const int Length = 1 << 20;
    private Tensor x = Tensor.Zeros(1), y = Tensor.Zeros(1);

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(3);
        x = Tensor.Uniform(g, [Length], -2f, 2f);
        y = Tensor.Uniform(g, [Length], -2f, 2f);
    }

    [Benchmark] public Tensor Add() => x + y;
    [Benchmark] public Tensor Mul() => x * y;
    [Benchmark] public Tensor Sigmoid() => Tensor.Sigmoid(x);
    [Benchmark] public Tensor Exp() => Tensor.Exp(x);
}
