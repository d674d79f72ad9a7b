using System.Diagnostics;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>
/// Quick stopwatch sweeps (best of several timed batches) used to choose <c>Gemm.SmallThreshold</c> and
/// <c>Gemm.ParallelThreshold</c>: each line times the row loop, the packed kernel on one thread, and on every core.
/// Run with <c>dotnet run -c Release --project benchmarks/Modules.Benchmarks -- tune</c>.
/// </summary>
public static class GemmTuning
{
    public static void Run()
    {
        Console.WriteLine($"FMA peak, 1 thread: {FmaPeak(1):F1} GFLOP/s; {Environment.ProcessorCount} threads: {FmaPeak(Environment.ProcessorCount):F1} GFLOP/s");
        Console.WriteLine($"{"m×n×k",-16} {"trans",-6} {"rows µs",9} {"packed µs",10} {"par µs",9} {"rows GF",8} {"packed GF",10} {"par GF",8}");
        (int, int, int)[] shapes =
        [
            (2, 16, 8), (4, 4, 4), (8, 8, 8), (12, 12, 12), (16, 16, 16), (20, 20, 20), (24, 24, 24), (32, 32, 32), (48, 48, 48),
            (1, 256, 134), (2, 256, 134), (4, 256, 134), (8, 256, 134), (16, 256, 134), (16, 134, 256), (134, 256, 16),
            (32, 256, 134), (64, 64, 64), (96, 96, 96), (128, 128, 128), (160, 160, 160), (192, 192, 192), (256, 256, 256),
            (512, 512, 512), (1024, 1024, 1024),
        ];
        foreach (var (m, n, k) in shapes)
            foreach (var (ta, tb) in new[] { (false, false), (false, true) })
            {
                var g = new Generator(1);
                var a = GemmBenchmarks.Fill(g, m * k); var b = GemmBenchmarks.Fill(g, k * n); var c = new float[m * n];
                double rows = Time(() => Gemm.Multiply(a, b, c, m, n, k, ta, tb, false, GemmPath.Small, 1));
                double packed = Time(() => Gemm.Multiply(a, b, c, m, n, k, ta, tb, false, GemmPath.Avx512, 1));
                double par = Time(() => ParallelAlways(a, b, c, m, n, k, ta, tb));
                double flops = 2.0 * m * n * k;
                Console.WriteLine($"{$"{m}×{n}×{k}",-16} {(ta ? "T" : "N") + (tb ? "T" : "N"),-6} {rows * 1e6,9:F2} {packed * 1e6,10:F2} {par * 1e6,9:F2} " +
                                  $"{flops / rows / 1e9,8:F1} {flops / packed / 1e9,10:F1} {flops / par / 1e9,8:F1}");
            }
    }

    /// <summary>The packed kernel split over every core regardless of size (bypasses the threshold by running two halves).</summary>
    private static void ParallelAlways(float[] a, float[] b, float[] c, int m, int n, int k, bool ta, bool tb)
    {
        if (ta || m < 16)
        {
            // Split columns: each half is its own product with B columns offset (only valid for untransposed B here).
            if (tb) { Gemm.Multiply(a, b, c, m, n, k, ta, tb, false, GemmPath.Avx512, 1); return; }
        }
        int half = m / 2 / 8 * 8;
        if (half == 0) { Gemm.Multiply(a, b, c, m, n, k, ta, tb, false, GemmPath.Avx512, 1); return; }
        Parallel.Invoke(
            () => Gemm.Multiply(a.AsSpan(0, half * k), b, c.AsSpan(0, half * n), half, n, k, false, tb, false, GemmPath.Avx512, 1),
            () => Gemm.Multiply(a.AsSpan(half * k), b, c.AsSpan(half * n), m - half, n, k, false, tb, false, GemmPath.Avx512, 1));
    }

    /// <summary>
    /// Single-thread GFLOP/s of the packed kernel on large squares, timed by process CPU time as well as wall time:
    /// on a shared machine CPU time shows what the kernel does when it actually holds a core.
    /// </summary>
    public static void RunLarge()
    {
        foreach (int s in new[] { 128, 192, 256, 384, 512, 1024 })
            foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false) })
            {
                if (s < 512 && (ta || tb)) continue;
                var g = new Generator(1);
                var a = GemmBenchmarks.Fill(g, s * s); var b = GemmBenchmarks.Fill(g, s * s); var c = new float[s * s];
                void Call() => Gemm.Multiply(a, b, c, s, s, s, ta, tb, false, GemmPath.Auto, 1);
                Call();
                int reps = Math.Max(1, (int)(3e9 / (2.0 * s * s * s)));
                var process = System.Diagnostics.Process.GetCurrentProcess();
                var cpu0 = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < reps; i++) Call();
                double wall = sw.Elapsed.TotalSeconds;
                process.Refresh();
                double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
                double flops = 2.0 * s * s * s * reps;
                sw.Restart();
                for (int i = 0; i < reps; i++) Gemm.Multiply(a, b, c, s, s, s, ta, tb, false, GemmPath.Auto, Environment.ProcessorCount);
                double wallAll = sw.Elapsed.TotalSeconds;
                Console.WriteLine($"{s}³ {(ta ? "T" : "N")}{(tb ? "T" : "N")}: 1 thread wall {flops / wall / 1e9:F1} GFLOP/s, cpu-time {flops / cpu / 1e9:F1} GFLOP/s; " +
                                  $"{Environment.ProcessorCount} threads wall {flops / wallAll / 1e9:F1} GFLOP/s");
            }
    }

    /// <summary>Seconds per call: best of 7 batches, each batch at least 20 ms.</summary>
    private static double Time(Action action)
    {
        action();
        int reps = 1;
        var sw = Stopwatch.StartNew();
        while (true)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++) action();
            if (sw.Elapsed.TotalMilliseconds >= 20) break;
            reps *= 2;
        }
        double best = double.MaxValue;
        for (int trial = 0; trial < 7; trial++)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++) action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
        }
        return best;
    }

    private static double FmaPeak(int threads)
    {
        double seconds = Time(() =>
        {
            if (threads == 1) FmaPeakBenchmarks.FmaLoop(FmaPeakBenchmarks.Iterations);
            else Parallel.For(0, threads, _ => FmaPeakBenchmarks.FmaLoop(FmaPeakBenchmarks.Iterations));
        });
        return FmaPeakBenchmarks.FlopsPerCall(threads) / seconds / 1e9;
    }
}
