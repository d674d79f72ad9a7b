using DncTrain;
using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain.Tests;

/// <summary>
/// A stand-in memory core of the shape every core follows (a <see cref="Module"/>, an <see cref="IRnnCore{TState}"/>,
/// a <c>Trace</c> property): a linear readout, and a trace whose write weights point at slot t mod N.
/// </summary>
[Module]
public sealed partial class ToyMemoryCore : Module, IRnnCore<LstmState>
{
    private readonly Linear readout;
    private int step;

    public ToyMemoryCore(int outputSize, string? name = null) : base(name) => readout = new Linear(outputSize, "readout");

    public Action<MemoryTrace>? Trace { get; set; }

    public (Tensor Output, LstmState State) Step(Tensor input, LstmState state)
    {
        int batch = input.Dim(0);
        if (Trace is { } trace)
        {
            var write = Tensor.Zeros(batch, 1, 3);
            for (int b = 0; b < batch; b++) write.Data[b * 3 + step % 3] = 1f;
            trace(new MemoryTrace(write, Tensor.Full([batch, 2, 3], 1f / 3), null));
        }
        step++;
        return (readout.Forward(input), state);
    }

    public LstmState InitialState(int batchSize)
    {
        step = 0;
        return new LstmState(Tensor.Zeros(batchSize, 1), Tensor.Zeros(batchSize, 1));
    }
}

public sealed class CoreRunnerTests
{
    [Fact]
    public void Any_core_with_a_trace_property_unrolls_and_records_its_memory()
    {
        var core = new ToyMemoryCore(2);
        core.Seed(1);
        var runner = CoreRunner.WithTraceProperty("toy", core, core, t => core.Trace = t);
        Assert.Empty(runner.NamedParameters());

        var logits = runner.Unroll(Tensor.Ones(4, 3, 5));
        Assert.Equal([4, 3, 2], logits.ShapeArray());
        Assert.Equal(["toy_memory_core/readout/b", "toy_memory_core/readout/w"], runner.NamedParameters().Select(p => p.Key).Order());

        var trace = new EpisodeTrace();
        var traced = runner.Unroll(Tensor.Ones(4, 3, 5), trace);
        Assert.Equal(logits.ToArray(), traced.ToArray());
        Assert.Null(core.Trace);   // the hook is removed after the episode
        Assert.Equal(4, trace.Steps);
        var maps = trace.ToHeatmaps();
        Assert.Equal(["Write weights (head 0)", "Read weights (head 0)", "Read weights (head 1)"], maps.Select(m => m.Title));
        Assert.Equal(1f, maps[0].Values[0, 3]);   // t = 3 writes slot 0
        Assert.Equal(1f, maps[0].Values[2, 2]);
    }

    [Fact]
    public void The_hook_is_removed_even_when_the_unroll_fails()
    {
        var core = new ToyMemoryCore(2);
        var runner = CoreRunner.WithTraceProperty("toy", core, core, t => core.Trace = t);
        Assert.ThrowsAny<ArgumentException>(() => runner.Unroll(Tensor.Ones(5), new EpisodeTrace()));
        Assert.Null(core.Trace);
    }
}
