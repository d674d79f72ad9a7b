using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The temporal link matrix L and precedence weights p as a recurrent core (DeepMind's <c>TemporalLinkage</c>): L[i, j]
/// records how much cell i was written right after cell j, one matrix per write head. Each step takes the write weights
/// [B, W, N] and updates L ← (1 − w[i] − w[j])·L[i, j] + w[i]·p[j] with a zero diagonal, then p ← (1 − Σ_N w)·p + w.
/// <see cref="StepAndRead"/> also follows the new links from the previous read weights (forward f_i = Σ_j L[i, j]·w_j,
/// backward b_i = Σ_j L[j, i]·w_j) and mixes them with the content weights by the read modes, which is what
/// <see cref="MemoryAccess"/> does every step. No parameters; both are fused ops with hand-written backward passes.
/// </summary>
[Module]
public sealed partial class TemporalLinkage : Module, IRnnCore<LinkageState>
{
    /// <summary>Creates the core for <paramref name="memorySize"/> cells (N) and <paramref name="numWrites"/> write heads (W); default name <c>temporal_linkage</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public TemporalLinkage(int memorySize, int numWrites, string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memorySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numWrites);
        MemorySize = memorySize;
        NumWrites = numWrites;
    }

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; }

    /// <summary>W, the number of write heads (one link matrix each).</summary>
    public int NumWrites { get; }

    /// <summary>Write weights w_t [B, W, N] and the previous state → the new link L_t [B, W, N, N] and the new state.</summary>
    /// <exception cref="ShapeMismatchException">A shape does not fit (the message names the module path).</exception>
    public (Tensor Output, LinkageState State) Step(Tensor writeWeights, LinkageState state)
    {
        Require(writeWeights, state);
        var (link, precedence) = LinkUpdate.Apply(state.Link, state.PrecedenceWeights, writeWeights);
        return (link, new LinkageState(link, precedence));
    }

    /// <summary>
    /// One step of the linkage, then the read weights along the new link: π_content·c + Σ_W π_fwd·f + Σ_W π_bwd·b.
    /// </summary>
    /// <param name="writeWeights">w^w_t, [B, W, N].</param>
    /// <param name="state">L_{t−1} [B, W, N, N] and p_{t−1} [B, W, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="contentWeights">c_t, the read heads' content weights on the new memory, [B, R, N].</param>
    /// <param name="readModes">π_t after the softmax, [B, R, 2W + 1]: per head W backward, W forward, then content.</param>
    /// <returns>The read weights [B, R, N] and the linkage at t.</returns>
    /// <exception cref="ShapeMismatchException">A shape does not fit (the message names the module path).</exception>
    public (Tensor ReadWeights, LinkageState State) StepAndRead(Tensor writeWeights, LinkageState state, Tensor previousReadWeights,
        Tensor contentWeights, Tensor readModes)
    {
        Require(writeWeights, state);
        var (link, precedence, readWeights) = LinkUpdateAndRead.Apply(state.Link, state.PrecedenceWeights, writeWeights,
            previousReadWeights, contentWeights, readModes);
        return (readWeights, new LinkageState(link, precedence));
    }

    /// <summary>Zero link [B, W, N, N] and zero precedence [B, W, N].</summary>
    public LinkageState InitialState(int batchSize) =>
        new(Tensor.Allocate(batchSize, NumWrites, MemorySize, MemorySize), Tensor.Allocate(batchSize, NumWrites, MemorySize));

    private void Require(Tensor writeWeights, LinkageState state)
    {
        ArgumentNullException.ThrowIfNull(writeWeights);
        int batch = writeWeights.Rank == 0 ? -1 : writeWeights.Dim(0);
        if (writeWeights.Rank != 3 || writeWeights.Dim(1) != NumWrites || writeWeights.Dim(2) != MemorySize)
            throw new ShapeMismatchException(Path, "write weights", [batch, NumWrites, MemorySize], writeWeights.Shape);
        if (!state.Link.Shape.SequenceEqual([batch, NumWrites, MemorySize, MemorySize]))
            throw new ShapeMismatchException(Path, "link", [batch, NumWrites, MemorySize, MemorySize], state.Link.Shape);
    }
}
