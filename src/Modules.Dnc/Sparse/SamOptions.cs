namespace Modules.Dnc.Sparse;

/// <summary>Configuration of a <see cref="Sam"/> core; the names and defaults it shares with <see cref="DncOptions"/> are the same.</summary>
/// <remarks>
/// Where the sparse cores (<see cref="Sam"/> and <see cref="Sdnc"/>) differ from Rae et al. (2016), and why:
/// <list type="bullet">
/// <item>The write weights are <c>α(γ·mean_R(w^r_{t−1}) + (1 − γ)·I^U)</c>: the last step's read weights
/// <i>averaged</i> over the R read heads. Each head's weights sum to at most 1, so their mean does too and the write
/// weights sum to at most α ≤ 1, as the DNC's link and precedence updates assume (their factors 1 − w_i − w_j and
/// 1 − Σw stay in [0, 1]); summing the heads would let a row's write weight reach R·α.</item>
/// <item>The written rows are erased as in the DNC, <c>M[s] ← M[s] ⊙ (1 − w_s·e) + w_s·a</c> with a sigmoid erase
/// vector e, where the paper zeroes the least recently used row. The erase is then scaled by the write weight like the
/// add (zeroing wipes the LRU row whole even when α(1 − γ) leaves it almost no write), it is learnt and differentiable,
/// and the three memory cores share one write and one interface.</item>
/// <item>A row counts as used (see <see cref="UsageThreshold"/>) when any single read or write weight on it exceeds δ,
/// where the paper compares the sum of its read and write weights with δ. Each weight is tested as its slot is
/// produced, with no per-row sum over a step's R·K (SDNC: R·3K) read slots and S write slots, whose rows repeat (heads
/// overlap, and so do the SDNC's content and link reads); the two tests differ only for a row whose every single access
/// is below δ while their sum is above it.</item>
/// </list>
/// </remarks>
public sealed record SamOptions : MemoryCoreOptions
{
    /// <summary>K, the rows each read head reads (its K nearest neighbours); at most <see cref="MemoryCoreOptions.MemorySize"/>.</summary>
    public int SparseReads { get; init; } = 4;

    /// <summary>
    /// δ: a single read or write weight above this counts as a use of its row (resets the row's time since last use,
    /// which picks the least recently used row to write); weights are not summed per row (see the remarks). The value
    /// of the PyTorch SAM.
    /// </summary>
    public float UsageThreshold { get; init; } = 0.005f;

    /// <summary>The nearest-neighbour search behind the reads.</summary>
    public INearestNeighbours Index { get; init; } = ExactNearestNeighbours.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option with an invalid value.</summary>
    public void Validate() => SparseOptionsValidation.Check(nameof(SamOptions), OutputSize, HiddenSize, MemorySize, WordSize, NumReads,
        NumWrites, SparseReads, UsageThreshold, Index, linkSparsity: 1);
}
