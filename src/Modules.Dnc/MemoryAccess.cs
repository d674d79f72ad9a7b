using Modules.Dnc.Access;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// DeepMind's MemoryAccess as a recurrent core: the controller output [B, H] drives one separate linear head
/// per interface part (<c>read_keys</c>, <c>read_strengths</c>, <c>write_keys</c>, <c>write_strengths</c>,
/// <c>erase_vectors</c>, <c>write_vectors</c>, <c>free_gate</c>, <c>allocation_gate</c>, <c>write_gate</c>,
/// <c>read_mode</c>; sizes from <see cref="AccessInterface"/>'s declared parts), and one step of
/// <see cref="AccessStep.Run"/> updates memory [B, N, Wd] and returns the read words [B, R, Wd].
/// </summary>
[Module]
public sealed partial class MemoryAccess : Module, IRnnCore<AccessState>
{
    private readonly Linear[] heads;
    private readonly int[][] partShapes;

    /// <summary>
    /// Creates the access module: <paramref name="memorySize"/> cells (N) of <paramref name="wordSize"/> (Wd),
    /// <paramref name="numReads"/> read heads (R), <paramref name="numWrites"/> write heads (W). Default name
    /// <c>memory_access</c>.
    /// </summary>
    public MemoryAccess(int memorySize = 128, int wordSize = 20, int numReads = 1, int numWrites = 1, string? name = null) : base(name)
    {
        if (memorySize < 1 || wordSize < 1 || numReads < 1 || numWrites < 1)
            throw new ArgumentException($"MemoryAccess: sizes must be positive (memory {memorySize}, word {wordSize}, reads {numReads}, writes {numWrites})");
        MemorySize = memorySize;
        WordSize = wordSize;
        NumReads = numReads;
        NumWrites = numWrites;
        var sizes = AccessInterface.PartSizes(numReads, wordSize, numWrites, NumReadModes);
        heads = new Linear[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) heads[i] = new Linear(sizes[i], AccessInterface.PartNames[i]);
        // Each part's trailing shape, in AccessInterface's order (its declared dimensions).
        int modes = NumReadModes;
        partShapes =
        [
            [numReads, wordSize], [numReads], [numWrites, wordSize], [numWrites], [numWrites, wordSize],
            [numWrites, wordSize], [numReads], [numWrites], [numWrites], [numReads, modes],
        ];
        for (int i = 0; i < sizes.Length; i++)
            if (partShapes[i].Aggregate(1, (a, d) => a * d) != sizes[i])
                throw new InvalidOperationException($"MemoryAccess: part {AccessInterface.PartNames[i]} has {sizes[i]} values, not the shape [{string.Join(", ", partShapes[i])}]");
    }

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; }

    /// <summary>Wd, the size of a memory word.</summary>
    public int WordSize { get; }

    /// <summary>R, the number of read heads.</summary>
    public int NumReads { get; }

    /// <summary>W, the number of write heads.</summary>
    public int NumWrites { get; }

    /// <summary>Read modes per read head: W backward, W forward, 1 content.</summary>
    public int NumReadModes => 1 + 2 * NumWrites;

    /// <summary>The size of the flat interface vector ξ the heads produce together.</summary>
    public int InterfaceSize => AccessInterface.ParamSize(NumReads, WordSize, NumWrites, NumReadModes);

    /// <summary>Called after every step with that step's weights, usage, read modes and gates (for visualisation).</summary>
    public Action<AccessTrace>? Trace { get; set; }

    /// <summary>Controller output [B, H] and the previous state → read words [B, R, Wd] and the new state.</summary>
    public (Tensor Output, AccessState State) Step(Tensor input, AccessState state)
    {
        if (input.Rank != 2)
            throw new ShapeMismatchException($"{Path}: input must be [B, H], got [{string.Join(", ", input.ShapeArray())}]");
        int batch = input.Dim(0);
        if (state.Memory.Dim(0) != batch || state.Memory.Dim(1) != MemorySize || state.Memory.Dim(2) != WordSize)
            throw new ShapeMismatchException($"{Path}: memory must be [{batch}, {MemorySize}, {WordSize}], got [{string.Join(", ", state.Memory.ShapeArray())}]");
        // All ten interface heads in one op (one product), each part already shaped [B, dims...].
        var weights = new Tensor[heads.Length];
        var biases = new Tensor[heads.Length];
        for (int i = 0; i < heads.Length; i++) (weights[i], biases[i]) = heads[i].Connect(input.Dim(1));
        var p = Affine.ApplyHeads(input, weights, biases, partShapes);
        var raw = new AccessInterface(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
        return AccessStep.Run(raw, state, Trace);
    }

    /// <summary>All-zero memory, weights, link, precedence and usage for a batch of <paramref name="batchSize"/>.</summary>
    public AccessState InitialState(int batchSize) => AccessStep.ZeroState(batchSize, MemorySize, WordSize, NumReads, NumWrites);
}
