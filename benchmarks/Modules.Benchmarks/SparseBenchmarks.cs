using BenchmarkDotNet.Attributes;
using Modules.Dnc;
using Modules.Dnc.Sparse;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>
/// One forward + backward step of <see cref="Sam"/> against the dense <see cref="Dnc.Dnc"/> as the memory grows
/// (Rae et al.'s scaling claim), and of <see cref="Sdnc"/> (K_L = 8) at both ends: word 32, batch 1, 4 read heads,
/// /// K = 4, LSTM 64, from a state several steps into an episode over a random memory. SAM runs at N = 1k, 16k, 256k and
/// 1M. The DNC keeps a dense [B, N, N] link: one step with its backward pass allocates about 5 MB at N = 1k, 68 MB at
/// 4k and 1.1 GB at 16k, growing as N², so at 256k a single link would take 256 GB and the dense DNC stops at 16k.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SparseBenchmarks
{
    private const int WordSize = 32, Reads = 4, Hidden = 64, InputSize = 8, WarmSteps = 4;

    private Module model = null!;
    private Func<float> step = null!;

    /// <summary>The cases: core and memory size.</summary>
    public static IEnumerable<string> Cases => ["sam N=1k", "sam N=16k", "sam N=256k", "sam N=1M", "sdnc N=1k", "sdnc N=1M", "dnc N=1k", "dnc N=4k", "dnc N=16k"];

    /// <summary>The case measured.</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "sam N=1k";

    /// <summary>The loss of the last step, so the work is observable.</summary>
    public float LastLoss { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        int n = parts[1][2..] switch { "1k" => 1024, "4k" => 4096, "16k" => 16_384, "256k" => 262_144, "1M" => 1_048_576, var s => throw new ArgumentException(s) };
        var input = Tensor.Normal(new Generator(2), [1, InputSize]);
        if (parts[0] == "sam")
        {
            var sam = new Sam(new SamOptions { OutputSize = InputSize, HiddenSize = Hidden, MemorySize = n, WordSize = WordSize, NumReads = Reads, SparseReads = 4 });
            sam.Seed(1);
            var state = Warm(sam, sam.InitialState(1), s => s.Access.Memory);
            model = sam;
            // Each step starts from the same state, detached: the memory is updated in place, so a detached copy of the
            // state (sharing the buffers) is what may be stepped from again.
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

    /// <summary>Random memory, then a few steps without gradients so weights, usage and links are not zeros.</summary>
    private static TState Warm<TState>(IRnnCore<TState> core, TState state, Func<TState, Tensor> memory) where TState : struct, IState<TState>
    {
        Tensor.Normal(new Generator(3), memory(state).ShapeArray()).Values.CopyTo(memory(state).Data);
        using var _ = Tensor.NoGrad();
        for (int t = 0; t < WarmSteps; t++) state = core.Step(Tensor.Normal(new Generator((ulong)(10 + t)), [1, InputSize]), state).State;
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
}
