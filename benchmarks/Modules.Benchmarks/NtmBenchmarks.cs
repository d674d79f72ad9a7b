using BenchmarkDotNet.Attributes;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Benchmarks;

/// <summary>
/// The NTM at the paper's copy configuration (<see cref="DncConfiguration.NtmCopy"/>), with time and allocated bytes: a full
/// training step on the next batch of the run's stream (lengths 1–20, so episodes of 3–41 steps, mostly near 41; the
/// allocation varies with the episode length), and forward + backward over one fixed episode of the longest length, 41
/// steps (the same work and allocation every time).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class NtmBenchmarks
{
    private DncTrainingRun run = null!;
    private DatasetTensors episode = null!;

    /// <summary>The loss of the last training step or episode, so the work is observable.</summary>
    public float LastLoss { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        run = new DncTrainingRun(DncConfiguration.NtmCopy);
        var stream = SequenceTrainer.DataStream(DncConfiguration.NtmCopy.Options.Seed);
        do episode = run.Task.Sample(stream); while (episode.Observations.Dim(0) != run.Task.MaxEpisodeLength);
    }

    /// <summary>A full training step of <c>Dnc.Train --model ntm --task copy</c> on the next batch of the stream.</summary>
    [Benchmark]
    public float TrainStep() => LastLoss = run.TrainStep().Loss;

    /// <summary>Unroll over the fixed 41-step episode, the copy cost, backward into the parameters' gradients.</summary>
    [Benchmark]
    public float EpisodeForwardBackward()
    {
        var logits = run.Model.Sequence.Unroll(episode.Observations);
        var loss = run.Task.Cost(logits, episode);
        Training.Optimizer.ZeroGrad(run.Model.Module.NamedParameters());
        loss.Backward();
        return LastLoss = loss.Item();
    }
}
