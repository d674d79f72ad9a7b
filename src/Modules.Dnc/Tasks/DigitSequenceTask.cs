using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// What <see cref="AddingTask"/> and <see cref="ArgmaxTask"/> share: the episode layout of <see cref="DigitSequences"/>
/// (L one-hot digits, an end marker, one number to answer on the end marker's step), its sizes, the squared-error cost
/// and the rendering. A task adds its name, its answer to a digit sequence and its error measure.
/// </summary>
public abstract class DigitSequenceTask : ITask
{
    /// <summary>Checks and keeps the sizes; messages name the concrete task.</summary>
    /// <param name="inputSize">S: one-hot width; digits are 0..S−2 and channel S−1 is the end marker (the library's default 6).</param>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="minLength">Fewest digits (inclusive; the library uses 2).</param>
    /// <param name="maxLength">Most digits (inclusive; the library's <c>sequence_max_length</c>, default 4).</param>
    /// <exception cref="ArgumentException">A size is out of range or <paramref name="minLength"/> exceeds <paramref name="maxLength"/>.</exception>
    private protected DigitSequenceTask(int inputSize, int batchSize, int minLength, int maxLength)
    {
        Require(inputSize >= 2, $"inputSize must be at least 2 (digits and the end marker), got {inputSize}");
        Require(batchSize > 0, $"batchSize must be positive, got {batchSize}");
        Require(minLength > 0, $"minLength must be positive, got {minLength}");
        Require(minLength <= maxLength, $"minLength ({minLength}) must not exceed maxLength ({maxLength})");
        InputSize = inputSize;
        BatchSize = batchSize;
        MinLength = minLength;
        MaxLength = maxLength;
    }

    /// <summary>S, the one-hot width (digits 0..S−2, end marker S−1).</summary>
    public int InputSize { get; }
    /// <summary>Episodes per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Fewest digits (inclusive).</summary>
    public int MinLength { get; }
    /// <summary>Most digits (inclusive).</summary>
    public int MaxLength { get; }

    /// <summary>Observation width, S.</summary>
    public int ObservationSize => InputSize;

    /// <summary>Target width: one number.</summary>
    public int TargetSize => 1;

    /// <summary>Longest episode, maxLength+1 steps.</summary>
    public int MaxEpisodeLength => MaxLength + 1;

    /// <summary>The largest possible target (a core that clips its output must reach it).</summary>
    public abstract float LargestTarget { get; }

    /// <summary>The target for one entry's digits, in order.</summary>
    private protected abstract float Answer(int[] digits);

    /// <summary>Draws one batch: all lengths, then each entry's digits in order.</summary>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <returns>Observations <c>[T, B, S]</c>, targets <c>[T, B, 1]</c>, mask <c>[T, B]</c>.</returns>
    public DatasetTensors Sample(Generator rng) => DigitSequences.Sample(rng, BatchSize, InputSize, MinLength, MaxLength, Answer);

    /// <summary>Squared error at the answer step, averaged over the batch.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 1]</c>.</param>
    /// <param name="batch">The batch: targets <c>[T, B, 1]</c>, mask <c>[T, B]</c>.</param>
    /// <returns>A scalar tensor.</returns>
    public Tensor Cost(Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return SequenceLosses.MaskedSquaredError($"{GetType().Name}.Cost", logits, batch.Targets, batch.Mask);
    }

    /// <inheritdoc/>
    public abstract string MetricName { get; }

    /// <inheritdoc/>
    public float Metric(Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Metric(logits, batch.Targets, batch.Mask);
    }

    /// <summary>The metric on logits <c>[T, B, 1]</c>, targets <c>[T, B, 1]</c> and mask <c>[T, B]</c>.</summary>
    private protected abstract float Metric(Tensor logits, Tensor targets, Tensor mask);

    /// <summary>How <see cref="DigitSequenceRenderer"/> shows this task's batches.</summary>
    public DigitSequenceRenderer Renderer => new();

    private void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"{GetType().Name}: {message}");
    }
}
