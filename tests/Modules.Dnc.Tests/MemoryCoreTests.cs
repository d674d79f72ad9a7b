using Modules.Tensors;

namespace Modules.Dnc.Tests;

// --- A user's own memory core, from a user-written access module: everything between the markers (under 40 lines). ---

/// <summary>The state of <see cref="DecayingSlots"/>: the memory rows [B, N, Wd].</summary>
[State]
public readonly partial record struct SlotState(Tensor Memory);

/// <summary>A toy access: one read of the rows by a softmax over learned scores, and a decaying write of a learned vector into every row.</summary>
[Module]
public sealed partial class DecayingSlots : Module, IMemoryAccess<SlotState>
{
    private readonly Linear scores;
    private readonly Linear value;
    private readonly int rows;

    public DecayingSlots(int rows, int wordSize) : base(null) => (this.rows, WordSize, scores, value) = (rows, wordSize, new Linear(rows, "scores"), new Linear(wordSize, "value"));

    public int NumReads => 1;
    public int WordSize { get; }
    public Action<MemoryTrace>? Trace { get; set; }

    public (Tensor Output, SlotState State) Step(Tensor controllerOutput, SlotState state)
    {
        var memory = state.Memory * 0.5f + value.Forward(controllerOutput).Unsqueeze(1);                    // [B, N, Wd]
        var weights = Tensor.Softmax(scores.Forward(controllerOutput), -1).Unsqueeze(1);                    // [B, 1, N]
        Trace?.Invoke(new MemoryTrace(weights.Detach(), weights.Detach(), Memory: memory.Detach()));
        return (Tensor.MatMul(weights, memory), new SlotState(memory));                                     // [B, 1, Wd]
    }

    public SlotState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, rows, WordSize));
    public Tensor InitialReadWords(int batchSize) => Tensor.Zeros(batchSize, 1, WordSize);
}

// --- end of the user's core ---

public class MemoryCoreTests
{
    private static MemoryCore<LstmState, SlotState> UserCore() =>
        new(new DncOptions { OutputSize = 2, ClipValue = 0f }, new Lstm(6), new DecayingSlots(rows: 3, wordSize: 4));

    [Fact]
    public void A_core_from_a_user_written_access_unrolls_names_its_parameters_and_traces_its_memory()
    {
        var core = UserCore();
        core.Seed(2);
        var traces = new List<MemoryTrace>();
        core.Trace = traces.Add;
        var run = DynamicRnn.Unroll(core, Tensor.Normal(new Generator(3), [5, 2, 3]));
        Assert.Equal([5, 2, 2], run.Outputs.ShapeArray());
        Assert.Equal(5, traces.Count);
        Assert.Equal(["memory_core/lstm/w_gates", "memory_core/lstm/b_gates", "memory_core/decaying_slots/scores/w",
            "memory_core/decaying_slots/scores/b", "memory_core/decaying_slots/value/w", "memory_core/decaying_slots/value/b",
            "memory_core/output_linear/w", "memory_core/output_linear/b"], core.NamedParameters().Select(p => p.Key));
        Assert.Equal(["access_output", "access/memory", "controller/hidden", "controller/cell"], MemoryCoreState<LstmState, SlotState>.Paths);
        // The controller sees the input and the previous read words: [in + R·Wd, 4H].
        Assert.Equal([3 + 4 + 6, 24], core.NamedParameters()[0].Value.ShapeArray());
        Assert.Equal(traces[^1].Memory!.ToArray(), run.FinalState.Access.Memory.ToArray());
    }

    [Fact]
    public void A_core_from_a_user_written_access_passes_a_finite_difference_check_through_three_steps()
    {
        var core = UserCore();
        core.Seed(5);
        FiniteDifference.Check(x => DynamicRnn.Unroll(core, x[0]).Outputs, [Tensor.Normal(new Generator(6), [3, 2, 3])]);
    }

    [Fact]
    public void A_controller_or_access_that_is_not_a_module_is_refused_by_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MemoryCore<LstmState, SlotState>(new DncOptions { OutputSize = 1 }, new PlainLstm(), new DecayingSlots(2, 2)));
        Assert.Contains("controller must be a Module", ex.Message);
        Assert.Contains(nameof(PlainLstm), ex.Message);
    }

    private sealed class PlainLstm : IRnnCore<LstmState>
    {
        public (Tensor Output, LstmState State) Step(Tensor input, LstmState state) => (state.Hidden, state);

        public LstmState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, 1), Tensor.Zeros(batchSize, 1));
    }
}

/// <summary>Content addressing by dot product instead of cosine similarity, with a learned temperature: a user's own addressing module.</summary>
[Module]
public sealed partial class DotProductAddressing : ContentAddressing
{
    [Param] private Tensor? temperature;

    public DotProductAddressing(string? name = null) : base(name)
    {
    }

    public override Tensor Forward(Tensor memory, Tensor keys, Tensor strengths)
    {
        var t = GetTemperature([1], s => Tensor.Full(s, 0.5f));
        var scores = Tensor.MatMul(keys, memory, transposeB: true) * Tensor.Softplus(strengths).Unsqueeze(-1) * t;   // [B, H, N]
        return Tensor.Softmax(scores, -1);
    }
}

public class SwappedAddressingTests
{
    [Fact]
    public void MemoryAccess_runs_the_content_addressing_module_it_is_given_and_trains_its_parameters()
    {
        var reads = new DotProductAddressing("read_content_weights");
        var access = new MemoryAccess(memorySize: 4, wordSize: 3, numReads: 2, numWrites: 1, readContentAddressing: reads);
        var core = new MemoryCore<LstmState, AccessState>(new DncOptions { OutputSize = 2 }, new Lstm(5), access);
        core.Seed(1);
        var outputs = DynamicRnn.Unroll(core, Tensor.Normal(new Generator(2), [3, 2, 3])).Outputs;
        var temperature = core.NamedParameters().Single(p => p.Key == "memory_core/memory_access/read_content_weights/temperature").Value;
        Tensor.Square(outputs).Sum().Backward();
        Assert.NotNull(temperature.Grad);
        Assert.NotEqual(0f, temperature.Grad!.Values[0]);

        // The same core with the default (cosine) addressing gives other outputs from the same parameters.
        var plain = new MemoryCore<LstmState, AccessState>(new DncOptions { OutputSize = 2 }, new Lstm(5), new MemoryAccess(4, 3, 2, 1));
        plain.Seed(1);
        var plainOutputs = DynamicRnn.Unroll(plain, Tensor.Normal(new Generator(2), [3, 2, 3])).Outputs;
        Assert.NotEqual(plainOutputs.ToArray(), outputs.ToArray());
        Assert.Equal(access.ReadContentWeights, reads);
    }
}
