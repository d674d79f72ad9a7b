using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The sparse memory access of <see cref="Sam"/> (and, with temporal links, of <see cref="Sdnc"/>): the controller output
/// [B, H] drives one linear head per interface part (<see cref="SamInterface"/> or <see cref="SdncInterface"/>), and one
/// step of <see cref="SparseAccessStep"/> writes the memory and returns the read words [B, R, Wd]. Parameters:
/// <c>&lt;path&gt;/{read_keys,read_strengths,write_vector,erase_vector,write_gate,interpolation_gate[,read_mode]}/{w,b}</c>.
/// </summary>
[Module]
public sealed partial class SparseMemoryAccess : Module, IMemoryAccess<SparseAccessState>, IMemoryAccess<SdncAccessState>
{
    private readonly Linear[] heads;

    /// <summary>
    /// Creates the access: N = <paramref name="memorySize"/> rows of Wd = <paramref name="wordSize"/>, R =
    /// <paramref name="numReads"/> heads reading K = <paramref name="sparseReads"/> rows each, and, when
    /// <paramref name="linkSparsity"/> K_L &gt; 0, sparse temporal links (SDNC). Default name <c>memory_access</c>.
    /// </summary>
    public SparseMemoryAccess(int memorySize, int wordSize, int numReads, int sparseReads, int linkSparsity = 0,
        float usageThreshold = 0.005f, INearestNeighbours? index = null, string? name = null) : base(name ?? "memory_access")
    {
        if (memorySize < 1 || wordSize < 1 || numReads < 1 || sparseReads < 1 || sparseReads > memorySize || linkSparsity < 0)
            throw new ArgumentException(
                $"SparseMemoryAccess: need positive sizes and K ≤ N (memory {memorySize}, word {wordSize}, reads {numReads}, K {sparseReads}, K_L {linkSparsity})");
        MemorySize = memorySize;
        WordSize = wordSize;
        NumReads = numReads;
        SparseReads = sparseReads;
        LinkSparsity = linkSparsity;
        UsageThreshold = usageThreshold;
        Index = index ?? ExactNearestNeighbours.Instance;
        var sizes = HasLinks ? SdncInterface.PartSizes(numReads, wordSize) : SamInterface.PartSizes(numReads, wordSize);
        var names = HasLinks ? SdncInterface.PartNames : SamInterface.PartNames;
        heads = new Linear[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) heads[i] = new Linear(sizes[i], names[i]);
    }

    /// <summary>N, the number of memory rows.</summary>
    public int MemorySize { get; }

    /// <summary>Wd, the size of a memory word.</summary>
    public int WordSize { get; }

    /// <summary>R, the number of read heads.</summary>
    public int NumReads { get; }

    /// <summary>K, the rows a head reads by content.</summary>
    public int SparseReads { get; }

    /// <summary>K_L, the link entries per row and column; 0 without temporal links.</summary>
    public int LinkSparsity { get; }

    /// <summary>Whether the access keeps temporal links (SDNC).</summary>
    public bool HasLinks => LinkSparsity > 0;

    /// <summary>δ, the weight above which an access counts as a use.</summary>
    public float UsageThreshold { get; }

    /// <summary>The nearest-neighbour search.</summary>
    public INearestNeighbours Index { get; }

    /// <summary>P, the rows a head reads per step: K, or 3K with links (content, forward, backward).</summary>
    public int ReadSlots => HasLinks ? 3 * SparseReads : SparseReads;

    /// <summary>S, the rows written per step: the rows read last step and the least recently used one, at most N.</summary>
    public int WriteSlots => Math.Min(NumReads * ReadSlots + 1, MemorySize);

    /// <summary>Called after every step with that step's dense weights and usage (time since last use), for visualisation.</summary>
    public Action<MemoryTrace>? Trace { get; set; }

    /// <summary>SAM's access (no links), from validated <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SamOptions.Validate"/>).</exception>
    public static SparseMemoryAccess For(SamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new(options.MemorySize, options.WordSize, options.NumReads, options.SparseReads, 0, options.UsageThreshold, options.Index);
    }

    /// <summary>SDNC's access (with links), from validated <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SdncOptions.Validate"/>).</exception>
    public static SparseMemoryAccess For(SdncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new(options.MemorySize, options.WordSize, options.NumReads, options.SparseReads, options.LinkSparsity, options.UsageThreshold,
            options.Index);
    }

    /// <summary>SAM step: controller output [B, H] and the previous state → read words [B, R, Wd] and the new state.</summary>
    /// <exception cref="InvalidOperationException">The access has links (use the overload with a <see cref="SparseLinkState"/>).</exception>
    public (Tensor Output, SparseAccessState State) Step(Tensor input, SparseAccessState state)
    {
        if (HasLinks) throw new InvalidOperationException($"{Path}: this access keeps temporal links; pass its SparseLinkState too");
        var raw = Interface(input, state);
        var (readWords, next, _) = SparseAccessStep.Run(this, raw, state, null);
        return (readWords, next);
    }

    /// <summary>SDNC step: controller output [B, H] and the previous state and links → read words [B, R, Wd] and the new state and links.</summary>
    /// <exception cref="InvalidOperationException">The access has no links.</exception>
    public (Tensor Output, SdncAccessState State) Step(Tensor input, SdncAccessState state)
    {
        if (!HasLinks) throw new InvalidOperationException($"{Path}: this access keeps no temporal links");
        var raw = Interface(input, state.Access);
        var (readWords, next, nextLinks) = SparseAccessStep.Run(this, raw, state.Access, state.Links);
        return (readWords, new SdncAccessState(next, nextLinks!.Value));
    }

    /// <summary>Zero read words [B, R, Wd].</summary>
    public Tensor InitialReadWords(int batchSize) => Tensor.Zeros(batchSize, NumReads, WordSize);

    /// <summary>The all-zero state and the empty link, for SDNC.</summary>
    SdncAccessState IRnnCore<SdncAccessState>.InitialState(int batchSize) => new(InitialState(batchSize), InitialLinks(batchSize));

    /// <summary>The all-zero state (read and write indices −1) for a batch of <paramref name="batchSize"/>.</summary>
    public SparseAccessState InitialState(int batchSize) => new(
        Tensor.Zeros(batchSize, MemorySize, WordSize),
        Tensor.Full([batchSize, NumReads, ReadSlots], -1f),
        Tensor.Zeros(batchSize, NumReads, ReadSlots),
        Tensor.Full([batchSize, WriteSlots], -1f),
        Tensor.Zeros(batchSize, WriteSlots),
        Tensor.Zeros(batchSize, MemorySize),
        Tensor.Zeros(batchSize));

    /// <summary>The empty link (indices −1, values 0) for a batch of <paramref name="batchSize"/>.</summary>
    public SparseLinkState InitialLinks(int batchSize)
    {
        int kl = Math.Max(LinkSparsity, 1);
        return new SparseLinkState(
            Tensor.Full([batchSize, MemorySize, kl], -1f), Tensor.Zeros(batchSize, MemorySize, kl),
            Tensor.Full([batchSize, MemorySize, kl], -1f), Tensor.Zeros(batchSize, MemorySize, kl),
            Tensor.Full([batchSize, kl], -1f), Tensor.Zeros(batchSize, kl));
    }

    private SparseInterfaceValues Interface(Tensor input, SparseAccessState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2)
            throw new ShapeMismatchException(Path, "input", [-1, -1], input.Shape, " ([B, H])");
        int batch = input.Dim(0);
        Expect(state.Memory, "memory", batch, MemorySize, WordSize);
        Expect(state.ReadIndices, "read indices", batch, NumReads, ReadSlots);
        Expect(state.ReadWeights, "read weights", batch, NumReads, ReadSlots);
        Expect(state.LastAccess, "last access", batch, MemorySize);
        Expect(state.Steps, "steps", batch);
        var parts = new Tensor[heads.Length];
        for (int i = 0; i < heads.Length; i++) parts[i] = heads[i].Forward(input);
        if (HasLinks)
        {
            var s = SdncInterface.FromParts(parts, NumReads, WordSize);
            return new(s.ReadKeys, s.ReadStrengths, s.WriteVector, s.EraseVector, s.WriteGate, s.InterpolationGate, s.ReadMode);
        }
        var r = SamInterface.FromParts(parts, NumReads, WordSize);
        return new(r.ReadKeys, r.ReadStrengths, r.WriteVector, r.EraseVector, r.WriteGate, r.InterpolationGate, null);
    }

    private void Expect(Tensor t, string what, params int[] shape)
    {
        if (!t.Shape.SequenceEqual(shape))
            throw new ShapeMismatchException(Path, what, shape, t.Shape);
    }
}

/// <summary>The interface parts of either sparse core; <see cref="ReadMode"/> is null without links.</summary>
internal readonly record struct SparseInterfaceValues(
    Tensor ReadKeys, Tensor ReadStrengths, Tensor WriteVector, Tensor EraseVector, Tensor WriteGate, Tensor InterpolationGate, Tensor? ReadMode);
