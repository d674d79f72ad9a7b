namespace Modules.Dnc;

/// <summary>Configuration of a <see cref="Dnc"/> core (DeepMind's defaults for repeat copy).</summary>
public sealed record DncOptions
{
    /// <summary>The size of the core's output per step.</summary>
    public required int OutputSize { get; init; }

    /// <summary>H, the LSTM controller's size.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; init; } = 16;

    /// <summary>Wd, the size of a memory word.</summary>
    public int WordSize { get; init; } = 16;

    /// <summary>R, the number of read heads.</summary>
    public int NumReads { get; init; } = 4;

    /// <summary>W, the number of write heads.</summary>
    public int NumWrites { get; init; } = 1;

    /// <summary>Controller output, controller state and core output are clipped to ±ClipValue; ≤ 0 disables clipping.</summary>
    public float ClipValue { get; init; } = 20f;
}
