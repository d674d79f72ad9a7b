using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Modules.Dnc;
using Modules.Dnc.Sparse;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>
/// One forward + backward step of <see cref="Sam"/> against the dense <see cref="Dnc.Dnc"/> as the memory grows
/// (Rae et al.'s scaling claim), and of <see cref="Sdnc"/> (K_L = 8) at both ends: word 32, batch 1 (B=8 where named),
/// 4 read heads, K = 4, LSTM 64, from a state several steps into an episode over a random memory. SAM runs at N = 1k,
/// 16k, 256k and 1M with the exact search, and (<c>sam-forest</c>) at 64k and 1M with a <see cref="RandomisedKdForest"/>
/// (default settings), whose index per batch entry is built once in the setup and kept by every step after it. The DNC keeps a dense [B, N, N] link: one step with its backward pass allocates about 5 MB at
/// N = 1k, 68 MB at 4k and 1.1 GB at 16k, growing as N², so at 256k a single link would take 256 GB and the dense DNC
/// stops at 16k. The <c>search</c> cases time what a SAM step asks of its nearest-neighbour search, per batch entry:
/// 17 rows rewritten and re-indexed (the write slots at R = 4, K = 4) and 4 keys searched for their 4 nearest rows, by
/// the exact search and by a <see cref="RandomisedKdForest"/> (default settings) opened once over the memory.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SparseBenchmarks
{
    private const int WordSize = 32, Reads = 4, Hidden = 64, InputSize = 8, WarmSteps = 4;

    private Module model = null!;
    private Func<float> step = null!;

    /// <summary>The cases: core and memory size.</summary>
    public static IEnumerable<string> Cases => ["sam N=1k", "sam N=16k", "sam N=256k", "sam N=64k", "sam N=64k B=8", "sam N=1M", "sam N=1M B=8",
        "sam-forest N=64k", "sam-forest N=64k B=8", "sam-forest N=1M", "sam-forest N=1M B=8", "sdnc N=1k", "sdnc N=1M",
        "dnc N=1k", "dnc N=4k", "dnc N=16k", "search-exact N=64k", "search-forest N=64k", "search-exact N=1M", "search-forest N=1M",
        "search-exact N=1M B=8", "search-forest N=1M B=8"];

    /// <summary>The case measured.</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "sam N=1k";

    /// <summary>The loss of the last step, so the work is observable.</summary>
    public float LastLoss { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        int n = parts[1][2..] switch
        {
            "1k" => 1024, "4k" => 4096, "16k" => 16_384, "64k" => 65_536, "256k" => 262_144, "1M" => 1_048_576, var s => throw new ArgumentException(s),
        };
        int batch = parts.Length > 2 ? int.Parse(parts[2][2..]) : 1;
        var input = Tensor.Normal(new Generator(2), [batch, InputSize]);
        if (parts[0].StartsWith("search-", StringComparison.Ordinal))
        {
            step = SearchStep(n, batch, parts[0] == "search-forest" ? new RandomisedKdForest() : ExactNearestNeighbours.Instance);
            return;
        }
        if (parts[0] is "sam" or "sam-forest")
        {
            var sam = new Sam(new SamOptions
            {
                OutputSize = InputSize, HiddenSize = Hidden, MemorySize = n, WordSize = WordSize, NumReads = Reads, SparseReads = 4,
                Index = parts[0] == "sam-forest" ? new RandomisedKdForest() : ExactNearestNeighbours.Instance,
            });
            sam.Seed(1);
            var state = Warm(sam, sam.InitialState(batch), s => s.Access.Memory);
            model = sam;
            // Each step starts from the same state, detached: the memory is updated in place, so a detached copy of the
            // state (sharing the buffers, and so the index and the least-recently-used trees) is what may be stepped from
            // again.
            step = () => Loss(sam.Step(input, state.Detach()).Output);
        }
        else if (parts[0] == "sdnc")
        {
            var sdnc = new Sdnc(new SdncOptions { OutputSize = InputSize, HiddenSize = Hidden, MemorySize = n, WordSize = WordSize, NumReads = Reads, SparseReads = 4 });
            sdnc.Seed(1);
            var state = Warm(sdnc, sdnc.InitialState(1), s => s.Access.Memory);
            model = sdnc;
            step = () => Loss(sdnc.Step(input, state.Detach()).Output);
        }
        else
        {
            var dnc = new Dnc.Dnc(new DncOptions { OutputSize = InputSize, HiddenSize = Hidden, MemorySize = n, WordSize = WordSize, NumReads = Reads });
            dnc.Seed(1);
            var state = Warm(dnc, dnc.InitialState(1), s => s.Access.Memory);
            model = dnc;
            step = () => Loss(dnc.Step(input, state).Output);
        }
    }

    /// <summary>
    /// A random memory [B, N, Wd] with an index per batch entry; each call rewrites 17 random rows of each entry, names
    /// them to its index and searches 4 random keys.
    /// </summary>
    private static Func<float> SearchStep(int n, int batch, INearestNeighbours search)
    {
        const int written = 17, keysPerEntry = Reads, k = 4;
        var random = new Generator(4);
        var memory = Tensor.Normal(random, [batch, n, WordSize]).ToArray();
        var indexes = new INearestNeighbourIndex[batch];
        for (int b = 0; b < batch; b++) indexes[b] = search.Open(memory.AsSpan(b * n * WordSize, n * WordSize), WordSize);
        var rows = new int[written];
        var keys = new float[keysPerEntry * WordSize];
        var found = new int[keysPerEntry * k];
        var similarities = new float[keysPerEntry * k];
        return () =>
        {
            for (int b = 0; b < batch; b++)
            {
                var entry = memory.AsSpan(b * n * WordSize, n * WordSize);
                for (int s = 0; s < written; s++)
                {
                    rows[s] = random.NextInt(0, n);
                    for (int d = 0; d < WordSize; d++) entry[rows[s] * WordSize + d] = (float)random.NextNormal();
                }
                for (int i = 0; i < keys.Length; i++) keys[i] = (float)random.NextNormal();
                indexes[b].Update(entry, rows);
                indexes[b].Search(entry, keys, k, found, similarities);
            }
            return similarities[0];
        };
    }

    /// <summary>Random memory, then a few steps without gradients so weights, usage and links are not zeros.</summary>
    private static TState Warm<TState>(IRnnCore<TState> core, TState state, Func<TState, Tensor> memory) where TState : struct, IState<TState>
    {
        Tensor.Normal(new Generator(3), memory(state).ShapeArray()).Values.CopyTo(memory(state).Data);
        using var _ = Tensor.NoGrad();
        int batch = memory(state).Dim(0);
        for (int t = 0; t < WarmSteps; t++) state = core.Step(Tensor.Normal(new Generator((ulong)(10 + t)), [batch, InputSize]), state).State;
        return state;
    }

    private float Loss(Tensor output)
    {
        Training.Optimizer.ZeroGrad(model.NamedParameters());
        var loss = Tensor.Square(output).Sum();
        loss.Backward();
        return loss.Item();
    }

    /// <summary>One core step with the autograd graph, a squared-output loss and its backward pass into the parameters.</summary>
    [Benchmark]
    public float StepForwardBackward() => LastLoss = step();

    /// <summary>
    /// The <c>sparse-timing</c> mode, <c>[--steps S] [case …]</c>: for each case named (default: the SAM cases at 64k and
    /// 1M), the setup, 5 untimed steps, then S (default 30) steps timed one by one. Prints per step the CPU time of the process (all
    /// threads; on a loaded machine the figure to compare), the median wall time, the bytes allocated (all threads) and the
    /// resident memory after the run, and the load average.
    /// </summary>
    public static void Time(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int steps = 30;
        var cases = args.ToList();
        if (cases.Count >= 2 && cases[0] == "--steps")
        {
            steps = int.Parse(cases[1], System.Globalization.CultureInfo.InvariantCulture);
            cases.RemoveRange(0, 2);
        }
        if (cases.Count == 0)
            cases = ["sam N=64k", "sam-forest N=64k", "sam N=64k B=8", "sam-forest N=64k B=8", "sam N=1M", "sam-forest N=1M", "sam N=1M B=8",
                "sam-forest N=1M B=8"];
        Console.WriteLine($"processors {Environment.ProcessorCount}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}, " +
            $"Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        foreach (string name in cases)
        {
            var benchmark = new SparseBenchmarks { Case = name };
            benchmark.Setup();
            for (int i = 0; i < 5; i++) benchmark.StepForwardBackward();
            GC.Collect();
            var process = Process.GetCurrentProcess();
            var walls = new double[steps];
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = process.TotalProcessorTime;
            for (int i = 0; i < steps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                benchmark.StepForwardBackward();
                walls[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            process.Refresh();
            double cpuPerStep = (process.TotalProcessorTime - cpu).TotalMilliseconds / steps;
            double allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)steps;
            Array.Sort(walls);
            string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
            Console.WriteLine($"{name,-22} cpu {cpuPerStep,8:F2} ms/step  wall median {walls[steps / 2],8:F2} ms  " +
                $"allocated {allocatedPerStep / 1024,8:F1} KB/step  resident {process.WorkingSet64 / (1 << 20),6} MB  load {load}");
        }
    }
}
