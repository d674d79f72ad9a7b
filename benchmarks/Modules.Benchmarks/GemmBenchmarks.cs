using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>Adds a GFLOP/s column (2·m·n·k per operation) read from the <c>Shape</c> parameter "m×n×k".</summary>
public sealed class GemmConfig : ManualConfig
{
    public GemmConfig() => AddColumn(new WorkColumn("GFLOP/s", "Giga floating-point operations per second, 2·m·n·k / mean",
        c => GemmShape.Flops((string)WorkColumn.Param(c, "Shape")!)));
}

/// <summary>Parses "m×n×k" benchmark parameters.</summary>
public static class GemmShape
{
    public static (int M, int N, int K) Parse(string shape)
    {
        var parts = shape.Split('x');
        return (int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    public static double Flops(string shape)
    {
        var (m, n, k) = Parse(shape);
        return 2.0 * m * n * k;
    }
}

/// <summary>
/// C[m,n] = A[m,k]·B[k,n] through the packed kernel, on 1 thread and on every core.
/// 16x256x134 is the DNC controller's [16,134]×[134,256] linear layer.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 5)]
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    private float[] a = [], b = [], c = [];
    private int m, n, k;

    [Params("64x64x64", "256x256x256", "1024x1024x1024", "16x256x134")]
    public string Shape { get; set; } = "64x64x64";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (m, n, k) = GemmShape.Parse(Shape);
        var g = new Generator(1);
        a = Fill(g, m * k); b = Fill(g, k * n); c = new float[m * n];
    }

    [Benchmark]
    public void Gemm() => Modules.Tensors.Gemm.Multiply(a, b, c, m, n, k, false, false, false, GemmPath.Auto, Threads);

    internal static float[] Fill(Generator g, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = g.NextFloat() * 2f - 1f;
        return x;
    }
}

/// <summary>
/// The same products through the unpacked row loop (the engine's original kernel), for comparison.
/// Also the shapes where the row loop is the one <see cref="Gemm"/> picks: the DNC's small batched products.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 5)]
[Config(typeof(GemmConfig))]
public class GemmRowLoopBenchmarks
{
    private float[] a = [], b = [], c = [];
    private int m, n, k;

    [Params("64x64x64", "256x256x256", "16x256x134", "2x16x8")]
    public string Shape { get; set; } = "64x64x64";

    [GlobalSetup]
    public void Setup()
    {
        (m, n, k) = GemmShape.Parse(Shape);
        var g = new Generator(1);
        a = GemmBenchmarks.Fill(g, m * k); b = GemmBenchmarks.Fill(g, k * n); c = new float[m * n];
    }

    [Benchmark]
    public void RowLoop() => Modules.Tensors.Gemm.Multiply(a, b, c, m, n, k, false, false, false, GemmPath.Small, 1);

    [Benchmark]
    public void RowLoopTransposedB() => Modules.Tensors.Gemm.Multiply(a, b, c, m, n, k, false, true, false, GemmPath.Small, 1);

    [Benchmark]
    public void AutoTransposedB() => Modules.Tensors.Gemm.Multiply(a, b, c, m, n, k, false, true, false, GemmPath.Auto, 1);
}
