using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>Adds an M-ops/s column (<see cref="TinyOpsBenchmarks.OpsPerGraph"/> tensor ops per operation).</summary>
public sealed class TinyOpsConfig : ManualConfig
{
    public TinyOpsConfig() => AddColumn(new WorkColumn("Mops/s", "Millions of tensor ops (forward) per second", _ => TinyOpsBenchmarks.OpsPerGraph * 1e3));
}

/// <summary>
/// A representative mix of the tiny ops a DNC time step is made of at DeepMind's defaults (batch 16, memory 16×16,
/// hidden 64, 4 reads): an LSTM-like gate block (matmul, bias broadcast, slices, sigmoid/tanh, same-shape products),
/// content addressing (keys scaled by a per-head strength, batched matmul against memory, softmax), and the joins and
/// reductions around them (reshape, unsqueeze, concat, sum, clamp, scalar broadcast). Tensors hold 16–1000 elements,
/// so the per-op overhead (allocation, graph recording, broadcasting set-up) dominates. Measured forward without
/// gradients, forward recording the graph, and forward + backward into parameter gradients.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 8)]
[Config(typeof(TinyOpsConfig))]
public class TinyOpsBenchmarks
{
    /// <summary>Tensor ops in one forward graph (each public op call counts once).</summary>
    public const int OpsPerGraph = 39;

    private const int Batch = 16, Inputs = 70, Hidden = 64, Memory = 16, Word = 16, Reads = 4;
    private Tensor x = null!, c0 = null!, w = null!, bias = null!, memory = null!, strengthWeights = null!, half = null!;

    /// <summary>The last graph's value, so the work is observable.</summary>
    public float Last { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(11);
        x = Tensor.Uniform(g, [Batch, Inputs], -1f, 1f);
        c0 = Tensor.Uniform(g, [Batch, Hidden], -1f, 1f);
        w = Tensor.GlorotUniform(g, Inputs, 4 * Hidden).RequireGrad();
        bias = Tensor.Zeros(4 * Hidden).RequireGrad();
        memory = Tensor.Uniform(g, [Batch, Memory, Word], -1f, 1f).RequireGrad();
        strengthWeights = Tensor.GlorotUniform(g, Hidden, Reads).RequireGrad();
        half = Tensor.Scalar(0.5f);
    }

    private Tensor Graph()
    {
        var gates = Tensor.MatMul(x, w) + bias;                                          // 2
        var i = Tensor.Sigmoid(gates.Slice(1, 0, Hidden));                                // 2
        var f = Tensor.Sigmoid(gates.Slice(1, Hidden, Hidden) + 1f);                      // 3
        var gg = Tensor.Tanh(gates.Slice(1, 2 * Hidden, Hidden));                         // 2
        var o = Tensor.Sigmoid(gates.Slice(1, 3 * Hidden, Hidden));                       // 2
        var c = f * c0 + i * gg;                                                          // 3
        var h = Tensor.Clamp(o * Tensor.Tanh(c), -20f, 20f);                              // 3
        var keys = h.Reshape(Batch, Reads, Word);                                         // 1
        var strengths = Tensor.Softplus(Tensor.MatMul(h, strengthWeights)).Unsqueeze(-1); // 3
        var scores = Tensor.MatMul(keys * strengths, memory, transposeB: true);           // 2
        var weights = Tensor.Softmax(scores, -1);                                         // 1
        var read = Tensor.MatMul(weights, memory).Reshape(Batch, Reads * Word);           // 2
        var usage = weights.Sum(1);                                                       // 1
        var joined = Tensor.Concat(1, h, read, usage);                                    // 1
        var scaled = Tensor.Mul(joined, half) - Tensor.Square(joined);                    // 3
        var meanRow = scaled.Mean(1, keepDim: true);                                      // 2 (sum, scale)
        return (scaled - meanRow).Sum() + Tensor.Exp(Tensor.Neg(usage)).Sum();            // 6
    }

    /// <summary>The mix without recording gradients.</summary>
    [Benchmark]
    public float ForwardNoGrad()
    {
        using var _ = Tensor.NoGrad();
        return Last = Graph().Item();
    }

    /// <summary>The mix recording the graph, no backward.</summary>
    [Benchmark]
    public float Forward() => Last = Graph().Item();

    /// <summary>The mix forward and backward into the four parameters' gradients (cleared each time, as an optimizer does).</summary>
    [Benchmark]
    public float ForwardBackward()
    {
        var loss = Graph();
        loss.Backward();
        w.Grad = null; bias.Grad = null; memory.Grad = null; strengthWeights.Grad = null;
        return Last = loss.Item();
    }

    /// <summary>
    /// As <see cref="ForwardBackward"/> but keeps accumulating into the same gradient buffers, as happens when one
    /// parameter is used at every time step of an unrolled core.
    /// </summary>
    [Benchmark]
    public float ForwardBackwardAccumulate()
    {
        var loss = Graph();
        loss.Backward();
        return Last = loss.Item();
    }
}
