namespace Modules.Dnc.Sparse;

/// <summary>Configuration of an <see cref="Sdnc"/> core: <see cref="SamOptions"/>'s options and the sparse link's size.</summary>
public sealed record SdncOptions : MemoryCoreOptions
{
    /// <summary>
    /// K, the rows each read head reads by content, and also by each link direction (so a head reads up to 3K rows);
    /// at most <see cref="MemoryCoreOptions.MemorySize"/>.
    /// </summary>
    public int SparseReads { get; init; } = 4;

    /// <summary>K_L, the link entries kept per row (forward) and per column (backward), and the size of the precedence.</summary>
    public int LinkSparsity { get; init; } = 8;

    /// <summary>δ, the weight above which an access counts as a use of the row (see <see cref="SamOptions.UsageThreshold"/>).</summary>
    public float UsageThreshold { get; init; } = 0.005f;

    /// <summary>The nearest-neighbour search behind the content reads.</summary>
    public INearestNeighbours Index { get; init; } = ExactNearestNeighbours.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option with an invalid value.</summary>
    public void Validate() => SparseOptionsValidation.Check(nameof(SdncOptions), OutputSize, HiddenSize, MemorySize, WordSize, NumReads,
        NumWrites, SparseReads, UsageThreshold, Index, LinkSparsity);
}
