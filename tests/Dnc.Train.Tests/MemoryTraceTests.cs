using DncTrain;
using Modules;
using Modules.Dnc;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain.Tests;

/// <summary>
/// A stand-in memory core (a <see cref="Module"/>, an <see cref="IRnnCore{TState}"/> and an <see cref="IMemoryCore"/>): a
/// linear readout, and a trace whose write weights point at slot t mod N.
/// </summary>
[Module]
public sealed partial class ToyMemoryCore : Module, IRnnCore<LstmState>, IMemoryCore
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

public sealed class MemoryTraceTests
{
    [Fact]
    public void A_memory_core_unrolls_as_a_sequence_model_and_its_hook_records_every_step()
    {
        var core = new ToyMemoryCore(2);
        core.Seed(1);
        var model = SequenceModel.FromCore(core);
        Assert.Empty(core.NamedParameters());

        var logits = model.Unroll(Tensor.Ones(4, 3, 5));
        Assert.Equal([4, 3, 2], logits.ShapeArray());
        Assert.Equal(["toy_memory_core/readout/b", "toy_memory_core/readout/w"], core.NamedParameters().Select(p => p.Key).Order());

        var trace = new EpisodeTrace();
        IMemoryCore memory = core;
        memory.Trace = trace.Add;
        var traced = model.Unroll(Tensor.Ones(4, 3, 5));
        Assert.Equal(logits.ToArray(), traced.ToArray());
        Assert.Equal(4, trace.Steps);
        var maps = trace.ToHeatmaps();
        Assert.Equal(["Write weights (head 0)", "Read weights (head 0)", "Read weights (head 1)"], maps.Select(m => m.Title));
        Assert.Equal(1f, maps[0].Values[0, 3]);   // t = 3 writes slot 0
        Assert.Equal(1f, maps[0].Values[2, 2]);
    }

    [Fact]
    public void A_core_that_is_not_a_module_is_refused_by_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => SequenceModel.FromCore(new PlainCore()));
        Assert.Contains("must be a Module", ex.Message);
        Assert.Contains(nameof(PlainCore), ex.Message);
    }

    private sealed class PlainCore : IRnnCore<LstmState>
    {
        public (Tensor Output, LstmState State) Step(Tensor input, LstmState state) => (input, state);

        public LstmState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, 1), Tensor.Zeros(batchSize, 1));
    }
}
