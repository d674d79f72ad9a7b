namespace Modules.Dnc.Sparse;

/// <summary>Configuration of a <see cref="Sam"/> core; the names and defaults it shares with <see cref="DncOptions"/> are the same.</summary>
public sealed record SamOptions
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

    /// <summary>K, the rows each read head reads (its K nearest neighbours); at most <see cref="MemorySize"/>.</summary>
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
