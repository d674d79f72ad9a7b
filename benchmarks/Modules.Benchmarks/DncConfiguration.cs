using DncTrain;
using Modules.Dnc.Tasks;

namespace Modules.Benchmarks;

/// <summary>
/// A named training configuration for the benchmarks: the training command's own <see cref="TrainOptions"/> (its
/// defaults are DeepMind's <c>train.py</c>'s: batch 16, memory 16×16, hidden 64, 4 reads, 1 write, 4 bits, length 1–2,
/// repeats 1–2, clip 20, global-norm clip 50, RMSProp lr 1e-4, ε 1e-10), without checkpoints.
/// </summary>
public sealed record DncConfiguration
{
    /// <summary>The name BenchmarkDotNet shows.</summary>
    public required string Name { get; init; }

    /// <summary>The run's settings, as the training command would have them.</summary>
    public TrainOptions Options { get; init; } = TrainOptions.Defaults(TaskKind.RepeatCopy) with { CheckpointDir = "" };

    /// <summary>DeepMind's <c>train.py</c> defaults.</summary>
    public static DncConfiguration Defaults { get; } = new() { Name = "defaults" };

    /// <summary>A large configuration: batch 32, memory 128×32, hidden 256, 8 bits, length 1–5.</summary>
    public static DncConfiguration Large { get; } = new()
    {
        Name = "large",
        Options = Defaults.Options with { BatchSize = 32, MemorySize = 128, WordSize = 32, HiddenSize = 256, NumBits = 8, MaxLength = 5 },
    };

    /// <summary>The configuration called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such configuration.</exception>
    public static DncConfiguration Named(string name) => name switch
    {
        "defaults" => Defaults,
        "large" => Large,
        _ => throw new ArgumentException($"unknown DNC configuration '{name}' (expected defaults or large)", nameof(name)),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
