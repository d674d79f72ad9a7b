namespace Modules.Dnc.Sparse;

/// <summary>Configuration of an <see cref="Sdnc"/> core: <see cref="SamOptions"/>'s options and the sparse link's size.</summary>
/// <remarks>
/// The SDNC shares SAM's conventions (averaged read weights for the write, sigmoid erase, per-weight usage threshold:
/// see the remarks of <see cref="SamOptions"/>). Its link keeps one set of entries, at most K_L per row and K_L per column,
/// stored by row and by column with an entry in both or in neither (see <see cref="LinkSparsity"/>).
/// </remarks>
public sealed record SdncOptions : MemoryCoreOptions
{
    /// <summary>
    /// K, the rows each read head reads by content, and also by each link direction (so a head reads up to 3K rows);
    /// at most <see cref="MemoryCoreOptions.MemorySize"/>.
    /// </summary>
    public int SparseReads { get; init; } = 4;

    /// <summary>
    /// K_L, the most link entries a row and a column hold, and the size of the precedence. The entries are one set, stored
    /// by row and by column: a step ranks the entries it changes by their new values and keeps them, largest first, while
    /// their row and column have room, and drops an entry from both stores or from neither. Rows and columns truncated
    /// independently would leave entries that one store has dropped and the other still holds; those could be found
    /// again only by searching all N rows, so they would stop decaying.
    /// </summary>
    public int LinkSparsity { get; init; } = 8;

    /// <summary>δ, the weight above which a single read or write counts as a use of its row (see <see cref="SamOptions.UsageThreshold"/>).</summary>
    public float UsageThreshold { get; init; } = 0.005f;

    /// <summary>The nearest-neighbour search behind the content reads.</summary>
    public INearestNeighbours Index { get; init; } = ExactNearestNeighbours.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option with an invalid value.</summary>
    public void Validate() => SparseOptionsValidation.Check(nameof(SdncOptions), OutputSize, HiddenSize, MemorySize, WordSize, NumReads,
        NumWrites, SparseReads, UsageThreshold, Index, LinkSparsity);
}
