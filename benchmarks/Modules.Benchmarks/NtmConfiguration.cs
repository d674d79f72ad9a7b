namespace Modules.Benchmarks;

/// <summary>
/// An NTM copy-task training configuration for the NTM benchmark and the <c>ntm-train</c> timing mode. The defaults are
/// the NTM paper's copy experiment as <c>examples/Dnc.Train --model ntm --task copy</c> trains it: LSTM controller of
/// 100 units, memory 128 × 20, one read and one write head, 8-bit vectors, lengths 1–20, batch 16, controller clip 20,
/// global-norm clip 50, TF1 RMSProp (lr 1e-4, ε 1e-10).
/// </summary>
public sealed record NtmConfiguration
{
    /// <summary>Short name used in benchmark parameters.</summary>
    public required string Name { get; init; }

    /// <summary>B, episodes per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>N, memory rows.</summary>
    public int MemorySize { get; init; } = 128;

    /// <summary>Wd, the width of a row.</summary>
    public int WordSize { get; init; } = 20;

    /// <summary>H, the LSTM controller size.</summary>
    public int HiddenSize { get; init; } = 100;

    /// <summary>R, read heads.</summary>
    public int NumReadHeads { get; init; } = 1;

    /// <summary>W, write heads.</summary>
    public int NumWriteHeads { get; init; } = 1;

    /// <summary>Bits per vector.</summary>
    public int NumBits { get; init; } = 8;

    /// <summary>Sequence length range (inclusive).</summary>
    public int MinLength { get; init; } = 1;

    /// <summary>Sequence length range (inclusive).</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary>Controller and output clip (±value; 0: off).</summary>
    public float ClipValue { get; init; } = 20f;

    /// <summary>Global-norm gradient clip.</summary>
    public float MaxGradNorm { get; init; } = 50f;

    /// <summary>RMSProp learning rate.</summary>
    public float LearningRate { get; init; } = 1e-4f;

    /// <summary>RMSProp ε (inside the square root, TF1 style).</summary>
    public float OptimizerEpsilon { get; init; } = 1e-10f;

    /// <summary>Seed of the parameters (model generator) and of the batches (generator 2·seed + 1, as Dnc.Train).</summary>
    public ulong Seed { get; init; }

    /// <summary>The paper's copy configuration (the property defaults).</summary>
    public static NtmConfiguration Copy { get; } = new() { Name = "copy" };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
