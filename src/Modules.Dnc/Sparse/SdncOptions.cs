namespace Modules.Dnc.Sparse;

/// <summary>Configuration of an <see cref="Sdnc"/> core: <see cref="SamOptions"/>'s options and the sparse link's size.</summary>
public sealed record SdncOptions
{
    /// <summary>The size of the core's output per step.</summary>
    public required int OutputSize { get; init; }

    /// <summary>H, the LSTM controller's size.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>N, the number of memory rows.</summary>
    public int MemorySize { get; init; } = 16;

    /// <summary>Wd, the size of a memory word.</summary>
    public int WordSize { get; init; } = 16;

    /// <summary>R, the number of read heads.</summary>
    public int NumReads { get; init; } = 4;

    /// <summary>W, the number of write heads; the sparse cores have one (as in Rae et al.), so only 1 is accepted.</summary>
    public int NumWrites { get; init; } = 1;

    /// <summary>Controller output, controller state and core output are clipped to ±ClipValue; ≤ 0 disables clipping.</summary>
    public float ClipValue { get; init; } = 20f;

    /// <summary>
    /// K, the rows each read head reads by content, and also by each link direction (so a head reads up to 3K rows);
    /// at most <see cref="MemorySize"/>.
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
