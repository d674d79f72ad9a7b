namespace Modules.Dnc;

/// <summary>
/// The sizes every memory core shares (<see cref="DncOptions"/>, <see cref="NtmOptions"/>, <c>SamOptions</c>,
/// <c>SdncOptions</c>), with DeepMind's defaults for repeat copy; each core's options add their own.
/// </summary>
public abstract record MemoryCoreOptions
{
    /// <summary>The size of the core's output (logits) per step.</summary>
    public required int OutputSize { get; init; }

    /// <summary>H, the controller's size (LSTM units, or the NTM's feed-forward units).</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>N, the number of memory rows.</summary>
    public int MemorySize { get; init; } = 16;

    /// <summary>Wd, the size of a memory word.</summary>
    public int WordSize { get; init; } = 16;

    /// <summary>R, the number of read heads.</summary>
    public int NumReads { get; init; } = 4;

    /// <summary>W, the number of write heads (the sparse cores accept only 1, as in Rae et al.).</summary>
    public int NumWrites { get; init; } = 1;

    /// <summary>Controller output, controller state and core output are clipped to ±ClipValue; ≤ 0 disables clipping.</summary>
    public float ClipValue { get; init; } = 20f;
}
