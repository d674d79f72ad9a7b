using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain;

/// <summary>
/// The DNC's memory access with the read heads moved before the write (<c>--read-before-write</c>): each step the read
/// heads look the keys up in, and read their words from, the memory as it was before this step's write; the usage, the
/// write, the temporal links and the read modes are <see cref="MemoryAccess"/>'s, unchanged (so the forward and backward
/// modes follow the links that include this step's write). Not DeepMind's order, which writes and then reads.
/// </summary>
/// <remarks>
/// Why: in DeepMind's order a read key can match the word its own controller state has just written, whatever the
/// memory held before; on graph traversal the DNC settles on reading that echo (it carries the query the answer repeats)
/// and does not learn the lookup of the stored triples (the learning check's DNC reads its own write with weight
/// 0.85–0.99 and answers no better than the LSTM). Reading first leaves only the stored triples to match, and the same
/// run learns the lookup in about 2 500 steps (examples/Dnc.Train/README.md, learning checks).
/// Parameters and state are <see cref="MemoryAccess"/>'s (read weights [B, R, N] are the weights read with), under
/// <c>&lt;path&gt;/memory_access/…</c> (the path is <c>read_before_write_access</c> by default).
/// </remarks>
[Module]
public sealed partial class ReadBeforeWriteAccess : Module, IMemoryAccess<AccessState>
{
    private readonly MemoryAccess access;

    /// <summary>Creates the access: N cells of Wd, R read heads and W write heads, as <see cref="MemoryAccess"/>'s.</summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public ReadBeforeWriteAccess(int memorySize, int wordSize, int numReads, int numWrites, string? name = null) : base(name)
    {
        access = new MemoryAccess(memorySize, wordSize, numReads, numWrites, readContentAddressing: new PreviousMemoryLookup());
    }

    /// <inheritdoc/>
    public int NumReads => access.NumReads;

    /// <inheritdoc/>
    public int WordSize => access.WordSize;

    /// <inheritdoc/>
    public Action<MemoryTrace>? Trace
    {
        get => access.Trace;
        set => access.Trace = value;
    }

    /// <summary>Zero read words [B, R, Wd].</summary>
    public Tensor InitialReadWords(int batchSize) => access.InitialReadWords(batchSize);

    /// <summary>All-zero memory, weights, links and usage.</summary>
    public AccessState InitialState(int batchSize) => access.InitialState(batchSize);

    /// <summary>Controller output [B, H] and the previous state → read words [B, R, Wd] from the previous memory, and the new state.</summary>
    public (Tensor Output, AccessState State) Step(Tensor input, AccessState state) => ReadFirst(state, () => access.Step(input, state));

    /// <summary><see cref="MemoryAccess.Apply"/> with the reads moved before the write: from the heads' raw outputs.</summary>
    /// <param name="raw">The pre-activation interface parts, B entries.</param>
    /// <param name="state">The state at t − 1.</param>
    /// <returns>Read words [B, R, Wd] from the previous memory, and the state at t.</returns>
    public (Tensor Output, AccessState State) Apply(AccessInterface raw, AccessState state) => ReadFirst(state, () => access.Apply(raw, state));

    private (Tensor Output, AccessState State) ReadFirst(AccessState state, Func<(Tensor Output, AccessState State)> step)
    {
        var lookup = (PreviousMemoryLookup)access.ReadContentWeights;
        lookup.Previous = state.Memory;
        try
        {
            var (_, next) = step();
            // [B, R, N]·[B, N, Wd]: the words at the read weights in the memory before the write.
            return (Tensor.MatMul(next.ReadWeights, state.Memory), next);
        }
        finally
        {
            lookup.Previous = null;
        }
    }
}

/// <summary>
/// Content addressing of the read keys against the memory before the step's write, which
/// <see cref="ReadBeforeWriteAccess.Step"/> sets for the one step; the memory it is handed (after the write) is not used.
/// </summary>
[Module]
internal sealed partial class PreviousMemoryLookup : ContentAddressing
{
    /// <summary>Creates the lookup, named <c>read_content_weights</c> as the access's default read lookup is.</summary>
    public PreviousMemoryLookup() : base("read_content_weights")
    {
    }

    // One per thread: with TrainerOptions.BatchShards the shards of a batch step the same module on several threads at once.
    private readonly ThreadLocal<Tensor?> previous = new();

    /// <summary>The memory at the start of the step this thread is running, [B, N, Wd]; null between steps.</summary>
    public Tensor? Previous
    {
        get => previous.Value;
        set => previous.Value = value;
    }

    /// <summary>Content weights [B, R, N] of the keys against <see cref="Previous"/>.</summary>
    /// <exception cref="InvalidOperationException">Called outside a step of <see cref="ReadBeforeWriteAccess"/>.</exception>
    public override Tensor Forward(Tensor memory, Tensor keys, Tensor strengths) =>
        base.Forward(Previous ?? throw new InvalidOperationException($"{Path}: looked up outside a {nameof(ReadBeforeWriteAccess)} step"), keys, strengths);
}
