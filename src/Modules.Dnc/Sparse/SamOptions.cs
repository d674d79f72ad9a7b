namespace Modules.Dnc.Sparse;

/// <summary>Configuration of a <see cref="Sam"/> core; the names and defaults it shares with <see cref="DncOptions"/> are the same.</summary>
public sealed record SamOptions : MemoryCoreOptions
{
    /// <summary>K, the rows each read head reads (its K nearest neighbours); at most <see cref="MemoryCoreOptions.MemorySize"/>.</summary>
    public int SparseReads { get; init; } = 4;

    /// <summary>
    /// δ: an access with a weight above this counts as a use of the row (resets its time since last use, which picks
    /// the least recently used row to write). The value of the PyTorch SAM.
    /// </summary>
    public float UsageThreshold { get; init; } = 0.005f;

    /// <summary>The nearest-neighbour search behind the reads.</summary>
    public INearestNeighbours Index { get; init; } = ExactNearestNeighbours.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option with an invalid value.</summary>
    public void Validate() => SparseOptionsValidation.Check(nameof(SamOptions), OutputSize, HiddenSize, MemorySize, WordSize, NumReads,
        NumWrites, SparseReads, UsageThreshold, Index, linkSparsity: 1);
}
