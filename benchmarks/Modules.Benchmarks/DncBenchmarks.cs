using BenchmarkDotNet.Attributes;
using Modules.Dnc;
using Modules.Training;
using Modules.Tensors;

namespace Modules.Benchmarks;

/// <summary>
/// The DNC at DeepMind's repeat-copy defaults and at the large configuration (see <see cref="DncConfiguration"/>):
/// one core step forward (recording the graph, as training does, and under <c>NoGrad</c>), forward + backward over
/// a whole episode, and a full training step (fresh batch, unroll, loss, backward, clip, RMSProp), with allocations.
/// The episode is the first batch of the stream whose length is the task's longest, (maxRepeats+1)·maxLength+3:
/// 9 steps at the defaults, 18 at the large configuration (most training batches have that length).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DncBenchmarks
{
    private DncTrainingRun run = null!;
    private Dnc.Dnc core = null!;
    private DatasetTensors episode = null!;
    private Tensor stepInput = null!;
    private DncState midEpisodeState;

    /// <summary>The configurations measured.</summary>
    public static IEnumerable<DncConfiguration> Configurations => [DncConfiguration.Defaults, DncConfiguration.Large];

    /// <summary>The configuration of this case.</summary>
    [ParamsSource(nameof(Configurations))]
    public DncConfiguration Configuration { get; set; } = DncConfiguration.Defaults;

    /// <summary>The loss of the last episode or training step, so the work is observable.</summary>
    public float LastLoss { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        run = new DncTrainingRun(Configuration);
        core = (Dnc.Dnc)run.Model.Module;
        var stream = SequenceTrainer.DataStream(Configuration.Options.Seed);
        do episode = run.Task.Sample(stream); while (episode.Observations.Dim(0) != run.Task.MaxEpisodeLength);
        // The state half-way through the episode: memory, link and usage are no longer zeros.
        int half = episode.Observations.Dim(0) / 2;
        using (Tensor.NoGrad())
        {
            var prefix = episode.Observations.Slice(0, 0, half);
            midEpisodeState = DynamicRnn.Unroll(core, prefix).FinalState;
        }
        stepInput = episode.Observations.Slice(0, half, 1).Reshape(Configuration.Options.BatchSize, -1);
    }

    /// <summary>One core step, [B, bits+2] → [B, bits+1], building the autograd graph.</summary>
    [Benchmark]
    public Tensor StepForward() => core.Step(stepInput, midEpisodeState).Output;

    /// <summary>One core step without recording gradients (inference).</summary>
    [Benchmark]
    public Tensor StepForwardNoGrad()
    {
        using var _ = Tensor.NoGrad();
        return core.Step(stepInput, midEpisodeState).Output;
    }

    /// <summary>Unroll over the fixed episode, masked cross-entropy, backward into the parameters' gradients.</summary>
    [Benchmark]
    public float EpisodeForwardBackward()
    {
        var logits = DynamicRnn.Unroll(core, episode.Observations).Outputs;
        var loss = run.Task.Cost(logits, episode);
        Training.Optimizer.ZeroGrad(core.NamedParameters());
        loss.Backward();
        return LastLoss = loss.Item();
    }

    /// <summary>A full training step of Dnc.Train on the next batch of the stream.</summary>
    [Benchmark]
    public float TrainStep() => LastLoss = run.TrainStep().Loss;
}
