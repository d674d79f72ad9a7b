namespace Modules.Benchmarks;

/// <summary>
/// A DNC repeat-copy training configuration for the DNC benchmarks and the timing mode: model sizes, task ranges
/// and the optimizer settings of <c>examples/Dnc.Train</c> (clip 20, global-norm clip 50, RMSProp lr 1e-4, ε 1e-10).
/// </summary>
public sealed record DncConfiguration
{
    /// <summary>Short name used in benchmark parameters and the comparison output.</summary>
    public required string Name { get; init; }

    /// <summary>B, episodes per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>N, memory slots.</summary>
    public int MemorySize { get; init; } = 16;

    /// <summary>Wd, the width of a slot.</summary>
    public int WordSize { get; init; } = 16;

    /// <summary>H, the LSTM controller size.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>R, read heads.</summary>
    public int NumReadHeads { get; init; } = 4;

    /// <summary>W, write heads.</summary>
    public int NumWriteHeads { get; init; } = 1;

    /// <summary>Bits per pattern vector.</summary>
    public int NumBits { get; init; } = 4;

    /// <summary>Pattern length range (inclusive).</summary>
    public int MinLength { get; init; } = 1;

    /// <summary>Pattern length range (inclusive).</summary>
    public int MaxLength { get; init; } = 2;

    /// <summary>Repeat count range (inclusive).</summary>
    public int MinRepeats { get; init; } = 1;

    /// <summary>Repeat count range (inclusive).</summary>
    public int MaxRepeats { get; init; } = 2;

    /// <summary>Controller and output clip (±value; 0: off).</summary>
    public float ClipValue { get; init; } = 20f;

    /// <summary>Global-norm gradient clip.</summary>
    public float MaxGradNorm { get; init; } = 50f;

    /// <summary>RMSProp learning rate.</summary>
    public float LearningRate { get; init; } = 1e-4f;

    /// <summary>RMSProp ε (inside the square root, TF1 style).</summary>
    public float OptimizerEpsilon { get; init; } = 1e-10f;

    /// <summary>Shards of each batch trained in parallel (<see cref="Training.DataParallel"/>); 1: the whole batch on one thread.</summary>
    public int Shards { get; init; } = 1;

    /// <summary>Seed of the parameters (model generator) and of the batches (generator 2·seed + 1, as Dnc.Train).</summary>
    public ulong Seed { get; init; }

    /// <summary>DeepMind's <c>train.py</c> defaults: batch 16, memory 16×16, hidden 64, 4 reads, 1 write, 4 bits, length 1–2, repeats 1–2.</summary>
    public static DncConfiguration Defaults { get; } = new() { Name = "defaults" };

    /// <summary>The large configuration: batch 32, memory 128×32, hidden 256, 4 reads, 1 write, 8 bits, length 1–5, repeats 1–2.</summary>
    public static DncConfiguration Large { get; } = new()
    {
        Name = "large", BatchSize = 32, MemorySize = 128, WordSize = 32, HiddenSize = 256, NumBits = 8, MaxLength = 5,
    };

    /// <summary>The configuration called <paramref name="name"/> (<c>defaults</c> or <c>large</c>).</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static DncConfiguration Named(string name) => name switch
    {
        "defaults" => Defaults,
        "large" => Large,
        _ => throw new ArgumentException($"unknown DNC configuration '{name}' (expected defaults or large)", nameof(name)),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
