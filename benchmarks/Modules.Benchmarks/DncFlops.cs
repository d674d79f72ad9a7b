using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;

namespace Modules.Benchmarks;

/// <summary>
/// The arithmetic of a DNC training step counted from the configuration (a multiply-add is 2 FLOPs), and the machine's
/// peak to set it against, so the benchmarks can say how close to the hardware's limit a step runs.
/// </summary>
/// <remarks>
/// Forward, per time step, for batch B, memory N×Wd, R read and Wh write heads, controller H, input X, output Y and
/// interface size I = (R + Wh)·(Wd + 1) + 2·Wh·Wd + R + 2·Wh + R·(2·Wh + 1):
/// LSTM gates 2·B·(X + R·Wd + H)·4H; interface heads 2·B·H·I; output layer 2·B·(H + R·Wd)·Y; content addressing
/// 2·B·(R + Wh)·N·Wd (dot products) + 2·B·N·Wd (slot norms); erase and write 4·B·Wh·N·Wd; read words 2·B·R·N·Wd;
/// link update 5·B·Wh·N² and the two directional reads 4·B·R·Wh·N². Backward does two products for each product
/// of the forward pass, so a training step counts 3× the forward FLOPs (the usual convention; element-wise work,
/// usage, the allocation sort and softmaxes are a few FLOPs per element and are left out, so the count is a floor).
/// The optimizer and clipping add 8 FLOPs per parameter.
/// </remarks>
public static class DncFlops
{
    /// <summary>The interface size I of the memory access (the width of the controller's interface heads).</summary>
    public static int InterfaceSize(DncConfiguration c)
    {
        ArgumentNullException.ThrowIfNull(c);
        int r = c.Options.NumReadHeads, w = c.Options.NumWriteHeads, wd = c.Options.WordSize;
        return (r + w) * (wd + 1) + 2 * w * wd + r + 2 * w + r * (2 * w + 1);
    }

    /// <summary>The parameter count this model of the DNC implies (checked against the real model's, so the count follows its structure).</summary>
    public static long ParameterCount(DncConfiguration c, int inputSize, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(c);
        var o = c.Options;
        long h = o.HiddenSize, joint = inputSize + o.NumReadHeads * o.WordSize + h, i = InterfaceSize(c), readout = h + o.NumReadHeads * o.WordSize;
        return joint * 4 * h + 4 * h + h * i + i + readout * outputSize + outputSize;
    }

    /// <summary>Forward FLOPs of one time step.</summary>
    public static double ForwardPerTimeStep(DncConfiguration c, int inputSize, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(c);
        var o = c.Options;
        double b = o.BatchSize, n = o.MemorySize, wd = o.WordSize, r = o.NumReadHeads, w = o.NumWriteHeads, h = o.HiddenSize;
        double joint = inputSize + r * wd + h;
        double controller = 2 * b * joint * 4 * h + 2 * b * h * InterfaceSize(c) + 2 * b * (h + r * wd) * outputSize;
        double memory = 2 * b * (r + w) * n * wd + 2 * b * n * wd + 4 * b * w * n * wd + 2 * b * r * n * wd;
        double linkage = 5 * b * w * n * n + 4 * b * r * w * n * n;
        return controller + memory + linkage;
    }

    /// <summary>FLOPs of training steps covering <paramref name="timeSteps"/> time steps in all, <paramref name="steps"/> optimizer updates.</summary>
    public static double Training(DncConfiguration c, int inputSize, int outputSize, long timeSteps, int steps) =>
        3 * ForwardPerTimeStep(c, inputSize, outputSize) * timeSteps + 8.0 * ParameterCount(c, inputSize, outputSize) * steps;

    /// <summary>Float lanes of the widest vectors the runtime accelerates (16 with AVX-512, 8 with AVX2).</summary>
    public static int VectorLanes => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

    /// <summary>The clock in GHz the nominal peak assumes: /proc/cpuinfo's "cpu MHz" of the first processor (the base clock a VM reports; boost is not counted), or null.</summary>
    public static double? NominalClockGHz() =>
        double.TryParse(CpuInfo("cpu MHz"), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz) ? mhz / 1000 : null;

    /// <summary>
    /// Float lanes the FMA pipes of one core take per cycle, each of 2 pipes: AMD cores (Zen 2–4) have two 256-bit FMA
    /// pipes and run a 512-bit FMA on both, so 8 per pipe even with AVX-512; other cores: the vector width.
    /// </summary>
    public static int LanesPerFmaPipe => CpuInfo("vendor_id") == "AuthenticAMD" ? Math.Min(VectorLanes, 8) : VectorLanes;

    /// <summary>Nominal peak GFLOP/s: cores × 2 FMA pipes × <see cref="LanesPerFmaPipe"/> × 2 FLOPs × clock.</summary>
    public static double NominalPeakGflops(double clockGHz) => Environment.ProcessorCount * 2 * LanesPerFmaPipe * 2 * clockGHz;

    /// <summary>The value of the first /proc/cpuinfo line starting with <paramref name="key"/>, or null.</summary>
    private static string? CpuInfo(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith(key, StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>
    /// Measured peak GFLOP/s: independent register-only FMA chains on every core for about <paramref name="milliseconds"/>
    /// (no memory traffic), the most the cores deliver at the clock they run now. On a shared machine other processes lower it.
    /// </summary>
    public static double MeasuredPeakGflops(int milliseconds = 200)
    {
        int cores = Environment.ProcessorCount;
        FmaChains(1000);   // compile before timing
        var flops = new double[cores];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, core =>
        {
            var own = Stopwatch.StartNew();
            double done = 0;
            while (own.ElapsedMilliseconds < milliseconds) done += FmaChains(1 << 16);
            flops[core] = done;
        });
        return flops.Sum() / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>Runs 16 independent FMA chains of the widest vectors for <paramref name="iterations"/> rounds; returns the FLOPs done.</summary>
    private static double FmaChains(int iterations)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            GC.KeepAlive(FmaPeakBenchmarks.FmaLoop(iterations));
            return iterations * 16.0 * 16 * 2;
        }
        GC.KeepAlive(FmaPeakBenchmarks.FmaLoop256(iterations));
        return iterations * 16.0 * 8 * 2;
    }
}
