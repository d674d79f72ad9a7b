using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Memory usage and allocation as a recurrent core (DeepMind's <c>Freeness</c>): the state is the usage u [B, N]; cells
/// become used when written and free again when the read heads that read them emit a free gate. Each step reads the
/// previous write weights, this step's free gates and the previous read weights (packed as <see cref="FreenessInputs"/>,
/// or unpacked through <see cref="Step(Tensor, Tensor, Tensor, Tensor)"/>) and outputs the new usage.
/// <see cref="WriteAllocationWeights"/> turns a usage into allocation weights (the least used cells first), and
/// <see cref="WriteWeights"/> gates them with the content weights as <see cref="MemoryAccess"/> does. No parameters; each
/// method is one fused op with a hand-written backward.
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
            throw new ShapeMismatchException(Path, "input", [input.Rank == 2 ? input.Dim(0) : -1, InputSize], input.Shape, " (W·N + R + R·N)");
        int batch = input.Dim(0);
        if (state.Usage.Rank != 2 || state.Usage.Dim(0) != batch || state.Usage.Dim(1) != MemorySize)
            throw new ShapeMismatchException(Path, "usage", [batch, MemorySize], state.Usage.Shape);
        var parts = FreenessInputs.Split(input, NumWrites, MemorySize, NumReads);
        var usage = Step(parts.WriteWeights, parts.FreeGate, parts.ReadWeights, state.Usage);
        return (usage, new FreenessState(usage));
    }

    /// <summary>
    /// The unpacked step, as DeepMind's <c>Freeness.__call__</c>: u ← u + (1 − u)·(1 − Π_W(1 − w_write)), then
    /// u ← u·Π_R(1 − f_r·w_read_r) (ψ, the retention vector). The write weights enter through a stop-gradient, as in
    /// DeepMind's implementation.
    /// </summary>
    /// <param name="writeWeights">w^w_{t−1}, [B, W, N] (gradient is stopped).</param>
    /// <param name="freeGate">f_t after sigmoid, [B, R].</param>
    /// <param name="readWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="previousUsage">u_{t−1}, [B, N].</param>
    /// <returns>u_t, [B, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public Tensor Step(Tensor writeWeights, Tensor freeGate, Tensor readWeights, Tensor previousUsage)
    {
        ArgumentNullException.ThrowIfNull(writeWeights);
        ArgumentNullException.ThrowIfNull(freeGate);
        ArgumentNullException.ThrowIfNull(readWeights);
        ArgumentNullException.ThrowIfNull(previousUsage);
        if (previousUsage.Rank != 2 || writeWeights.Rank != 3 || writeWeights.Dim(0) != previousUsage.Dim(0) || writeWeights.Dim(2) != previousUsage.Dim(1))
            throw new ShapeMismatchException(Path, previousUsage.Shape, writeWeights.Shape, "must be usage [B, N] and write weights [B, W, N]");
        if (freeGate.Rank != 2 || readWeights.Rank != 3 || freeGate.Dim(0) != previousUsage.Dim(0) || readWeights.Dim(0) != freeGate.Dim(0)
            || readWeights.Dim(1) != freeGate.Dim(1) || readWeights.Dim(2) != previousUsage.Dim(1))
            throw new ShapeMismatchException(Path, freeGate.Shape, readWeights.Shape,
                $"must be free gate [B, R] and read weights [B, R, N] with usage [{previousUsage.Dim(0)}, {previousUsage.Dim(1)}]");
        return UsageKernel.Compute(previousUsage, writeWeights, freeGate, readWeights);
    }

    /// <summary>ε of the allocation: usage is mapped to ε + (1 − ε)·u so no cell is exactly free or exactly used.</summary>
    public const float AllocationEpsilon = 1e-6f;

    /// <summary>
    /// Allocation weights of W write heads allocating in turn: a[φ_j] = (1 − u[φ_j])·Π_{i&lt;j} u[φ_i], with φ the cells
    /// sorted by ascending usage (ties: lower index first, judged on 1 − u as DeepMind's top-k does) after
    /// u ← ε + (1 − ε)·u; head i allocates from the usage the heads before it left, u ← u + (1 − u)·g_i·a_i.
    /// </summary>
    /// <param name="usage">u, [B, N], in [0, 1].</param>
    /// <param name="writeGates">g = allocation gate · write gate, [B, W].</param>
    /// <returns>Allocation weights [B, W, N].</returns>
    /// <remarks>The sort permutation is a constant of the backward, as in TensorFlow's gather gradient.</remarks>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public Tensor WriteAllocationWeights(Tensor usage, Tensor writeGates)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(writeGates);
        if (usage.Rank != 2 || writeGates.Rank != 2 || writeGates.Dim(0) != usage.Dim(0))
            throw new ShapeMismatchException(Path, usage.Shape, writeGates.Shape, "must be usage [B, N] and write gates [B, W]");
        int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeGates.Dim(1), perItem = AllocationKernel.SavedPerItem(writes, cells);
        var saved = Tensor.AllocateUninitialized(batch * perItem);   // uncleared here and below: ForwardItem writes every element
        var weights = Tensor.AllocateUninitialized(batch, writes, cells);
        BatchParallel.For(batch, (long)writes * cells * 16, (usage, writeGates, saved, weights, cells, writes, perItem), static (state, b) =>
        {
            var (usage, writeGates, saved, weights, cells, writes, perItem) = state;
            AllocationKernel.ForwardItem(usage.Values.Slice(b * cells, cells), writeGates.Values.Slice(b * writes, writes),
                saved.Data.Slice(b * perItem, perItem), weights.Data.Slice(b * writes * cells, writes * cells), AllocationEpsilon);
        });
        return Tensor.Custom("Allocation", weights, [usage, writeGates], (weights, saved), static (x, s, g) =>
        {
            Tensor usage = x[0], writeGates = x[1];
            var dUsage = usage.RequiresGrad ? Tensor.BackwardBuffer(usage.Shape) : null;
            var dGates = writeGates.RequiresGrad ? Tensor.BackwardBuffer(writeGates.Shape) : null;
            int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeGates.Dim(1), perItem = AllocationKernel.SavedPerItem(writes, cells);
            for (int b = 0; b < batch; b++)
                AllocationKernel.BackwardItem(g.Values.Slice(b * writes * cells, writes * cells), writeGates.Values.Slice(b * writes, writes),
                    s.saved.Values.Slice(b * perItem, perItem), s.weights.Values.Slice(b * writes * cells, writes * cells), cells,
                    AddressingMath.ItemSlice(dUsage, b, cells), AddressingMath.ItemSlice(dGates, b, writes),
                    AllocationEpsilon);
            return Tensor.GradientSlots(dUsage, dGates);
        });
    }

    /// <summary>
    /// The write weights w = g_w·(g_a·a + (1 − g_a)·c): each head interpolates between its allocation weights a (the heads
    /// allocating in turn, as <see cref="WriteAllocationWeights"/> with g = g_a·g_w) and its content weights c, gated by
    /// the write gate (DeepMind's <c>MemoryAccess._write_weights</c>).
    /// </summary>
    /// <param name="usage">u, [B, N].</param>
    /// <param name="writeContent">c, content weights on the previous memory, [B, W, N].</param>
    /// <param name="allocationGate">g_a after sigmoid, [B, W].</param>
    /// <param name="writeGate">g_w after sigmoid, [B, W].</param>
    /// <returns>Write weights [B, W, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public Tensor WriteWeights(Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(writeContent);
        ArgumentNullException.ThrowIfNull(allocationGate);
        ArgumentNullException.ThrowIfNull(writeGate);
        if (usage.Rank != 2 || writeContent.Rank != 3 || writeContent.Dim(0) != usage.Dim(0) || writeContent.Dim(2) != usage.Dim(1))
            throw new ShapeMismatchException(Path, usage.Shape, writeContent.Shape, "must be usage [B, N] and content weights [B, W, N]");
        int[] gateShape = [usage.Dim(0), writeContent.Dim(1)];
        if (!allocationGate.Shape.SequenceEqual(gateShape))
            throw new ShapeMismatchException(Path, "allocation gate", gateShape, allocationGate.Shape, " ([B, W])");
        if (!writeGate.Shape.SequenceEqual(gateShape))
            throw new ShapeMismatchException(Path, "write gate", gateShape, writeGate.Shape, " ([B, W])");
        return WriteWeightsKernel.Compute(usage, writeContent, allocationGate, writeGate, AllocationEpsilon);
    }

    /// <summary>Zero usage [B, N].</summary>
    public FreenessState InitialState(int batchSize) => new(Tensor.Allocate(batchSize, MemorySize));
}
