using Modules.Dnc.Access;
using Modules.Dnc.Addressing;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Memory usage and allocation as a recurrent core (DeepMind's <c>Freeness</c>): the state is the usage u [B, N];
/// each step reads the previous write weights, this step's free gates and the previous read weights packed as
/// <see cref="FreenessInputs"/> and outputs the new usage (<see cref="Usage.Update"/>: the writes enter through a
/// stop-gradient). <see cref="WriteAllocationWeights"/> turns a usage into allocation weights. No parameters.
/// </summary>
[Module]
public sealed partial class Freeness : Module, IRnnCore<FreenessState>
{
    /// <summary>
    /// Creates the core for <paramref name="memorySize"/> cells (N), <paramref name="numReads"/> read heads (R) and
    /// <paramref name="numWrites"/> write heads (W); default name <c>freeness</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public Freeness(int memorySize, int numReads = 1, int numWrites = 1, string? name = null) : base(name)
    {
        if (memorySize < 1 || numReads < 1 || numWrites < 1)
            throw new ArgumentException($"Freeness: sizes must be positive (memory {memorySize}, reads {numReads}, writes {numWrites})");
        MemorySize = memorySize;
        NumReads = numReads;
        NumWrites = numWrites;
    }

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; }

    /// <summary>R, the number of read heads (free gates).</summary>
    public int NumReads { get; }

    /// <summary>W, the number of write heads.</summary>
    public int NumWrites { get; }

    /// <summary>The width of a step's flat input: <c>FreenessInputs.ParamSize(W, N, R)</c> = W·N + R + R·N.</summary>
    public int InputSize => FreenessInputs.ParamSize(NumWrites, MemorySize, NumReads);

    /// <summary>
    /// One step: <paramref name="input"/> [B, <see cref="InputSize"/>] (see <see cref="FreenessInputs.Pack"/>) and the
    /// previous usage → the new usage [B, N], which is also the new state.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The input or the usage has the wrong shape (the message names the module path).</exception>
    public (Tensor Output, FreenessState State) Step(Tensor input, FreenessState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 || input.Dim(1) != InputSize)
            throw new ShapeMismatchException($"{Path}: input must be [B, {InputSize}] (W·N + R + R·N), got [{string.Join(", ", input.ShapeArray())}]");
        int batch = input.Dim(0);
        if (state.Usage.Rank != 2 || state.Usage.Dim(0) != batch || state.Usage.Dim(1) != MemorySize)
            throw new ShapeMismatchException($"{Path}: usage must be [{batch}, {MemorySize}], got [{string.Join(", ", state.Usage.ShapeArray())}]");
        var parts = FreenessInputs.Split(input, NumWrites, MemorySize, NumReads);
        var usage = Step(parts.WriteWeights, parts.FreeGate, parts.ReadWeights, state.Usage);
        return (usage, new FreenessState(usage));
    }

    /// <summary>
    /// The unpacked step, as DeepMind's <c>Freeness.__call__</c>: the usage after the previous step's writes (through a
    /// stop-gradient) and this step's frees: write weights [B, W, N], free gate [B, R] (after sigmoid), read weights
    /// [B, R, N], usage [B, N] → [B, N].
    /// </summary>
    public Tensor Step(Tensor writeWeights, Tensor freeGate, Tensor readWeights, Tensor previousUsage) =>
        Usage.Update(previousUsage, writeWeights, freeGate, readWeights);

    /// <summary>Allocation weights of W write heads: usage [B, N], gates g^a·g^w [B, W] → [B, W, N].</summary>
    public Tensor WriteAllocationWeights(Tensor usage, Tensor writeGates) => Allocation.WriteWeights(usage, writeGates);

    /// <summary>Zero usage [B, N].</summary>
    public FreenessState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, MemorySize));
}
