using BenchmarkDotNet.Attributes;

namespace Modules.Benchmarks;

/// <summary>
/// The NTM training step at the paper's copy configuration (<see cref="NtmConfiguration.Copy"/>): a fresh copy batch
/// from the run's stream (lengths 1–20, so episodes of 3–41 steps, mostly near 41), unroll, loss, backward, clip,
/// RMSProp; with time and allocated bytes per step.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class NtmBenchmarks
{
    private NtmTrainingRun run = null!;

    /// <summary>The loss of the last training step, so the work is observable.</summary>
    public float LastLoss { get; private set; }

    [GlobalSetup]
    public void Setup() => run = new NtmTrainingRun(NtmConfiguration.Copy);

    /// <summary>A full training step of <c>Dnc.Train --model ntm --task copy</c> on the next batch of the stream.</summary>
    [Benchmark]
    public float TrainStep() => LastLoss = run.TrainStep().Loss;
}
