using BenchmarkDotNet.Attributes;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>
/// 100 SGD steps of a 2-layer MLP (64 → 128 tanh → 10, batch 32, squared error) built from raw Tensor ops.
/// OperationsPerInvoke = 100, so the reported time and "Allocated" are per training step. <see cref="TrainStepInArena"/>
/// runs each step in a <see cref="TensorArena"/> scope, as <c>SequenceTrainer</c> does.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 5)]
public class TrainingLoopBenchmarks
{
    private const int Steps = 100, Batch = 32, Inputs = 64, Hidden = 128, Outputs = 10;
    private const float LearningRate = 0.01f;
    private Tensor x = Tensor.Zeros(1), target = Tensor.Zeros(1);
    private Tensor w1 = Tensor.Zeros(1), b1 = Tensor.Zeros(1), w2 = Tensor.Zeros(1), b2 = Tensor.Zeros(1);

    /// <summary>The loss after the last step, so the loop's work is observable.</summary>
    public float LastLoss { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(5);
        x = Tensor.Uniform(g, [Batch, Inputs], -1f, 1f);
        target = Tensor.Uniform(g, [Batch, Outputs], -1f, 1f);
        w1 = Tensor.GlorotUniform(g, Inputs, Hidden).RequireGrad();
        b1 = Tensor.Zeros(Hidden).RequireGrad();
        w2 = Tensor.GlorotUniform(g, Hidden, Outputs).RequireGrad();
        b2 = Tensor.Zeros(Outputs).RequireGrad();
    }

    private readonly TensorArena arena = new();

    [Benchmark(OperationsPerInvoke = Steps)]
    public void TrainStep()
    {
        for (int step = 0; step < Steps; step++) Step();
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public void TrainStepInArena()
    {
        for (int step = 0; step < Steps; step++)
            using (arena.Enter()) Step();
    }

    private void Step()
    {
        var h = Tensor.Tanh(x.MatMul(w1) + b1);
        var y = h.MatMul(w2) + b2;
        var loss = Tensor.Square(y - target).Sum();
        loss.Backward();
        using (Tensor.NoGrad())
        {
            foreach (var p in (ReadOnlySpan<Tensor>)[w1, b1, w2, b2])
            {
                p.CopyFrom(p - p.Grad! * LearningRate);
                p.Grad = null;
            }
        }
        LastLoss = loss.Item();
    }
}
