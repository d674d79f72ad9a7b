using Modules.Tensors;

namespace Modules.Dnc.Tasks;

/// <summary>
/// The generalised argmax task of the PyTorch DNC library (<c>tasks/argmax_task.py</c>): the model reads a sequence
/// of one-hot digits and an end marker, and on the end marker's step must output the position of the largest digit.
/// </summary>
/// <remarks>
/// Episode layout as <see cref="AddingTask"/>'s (L one-hot digits from 0..S−2, the end marker one-hot(S−1) at t = L,
/// mask 1 only at t = L), with the target at t = L the zero-based index of the largest digit; ties go to the first
/// occurrence, as the library's current <c>np.argmax</c> does (an earlier version took the last). The index is
/// regressed as one number, as in the library: cost = squared error at the answer step averaged over the batch.
/// Error measure: accuracy, the fraction of sequences whose output rounded to the nearest integer is the index
/// (the library prints the floor of the output; nearest is the fair reading of a regression).
/// </remarks>
public sealed class ArgmaxTask : ITask
{
    /// <summary>Creates the task.</summary>
    /// <param name="inputSize">S: one-hot width; digits are 0..S−2 and channel S−1 is the end marker (the library's default 6).</param>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="minLength">Fewest digits (inclusive; the library uses 2).</param>
    /// <param name="maxLength">Most digits (inclusive; the library's <c>sequence_max_length</c>, default 4).</param>
    /// <exception cref="ArgumentException">A size is out of range or <paramref name="minLength"/> exceeds <paramref name="maxLength"/>.</exception>
    public ArgmaxTask(int inputSize = 6, int batchSize = 1, int minLength = 2, int maxLength = 4)
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

    /// <summary>The task's command-line name, <c>argmax</c>.</summary>
    public string Name => "argmax";

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

    /// <summary>The largest possible target, maxLength−1.</summary>
    public float LargestTarget => MaxLength - 1;

    /// <summary>Draws one batch: all lengths, then each entry's digits in order.</summary>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <returns>Observations <c>[T, B, S]</c>, targets <c>[T, B, 1]</c>, mask <c>[T, B]</c>.</returns>
    public DatasetTensors Sample(Generator rng) =>
        DigitSequences.Sample(rng, BatchSize, InputSize, MinLength, MaxLength, FirstIndexOfMax);

    /// <summary>Squared error at the answer step, averaged over the batch.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 1]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, 1]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>A scalar tensor.</returns>
    public Tensor Cost(Tensor logits, Tensor targets, Tensor mask) =>
        SequenceLosses.MaskedSquaredError("ArgmaxTask.Cost", logits, targets, mask);

    /// <summary>What <see cref="Error"/> measures: <c>Accuracy</c>.</summary>
    public string ErrorName => "Accuracy";

    /// <summary>The fraction of sequences whose rounded output at the answer step is the index of the largest digit.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 1]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, 1]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    public float Error(Tensor logits, Tensor targets, Tensor mask) =>
        SequenceLosses.RoundedAccuracy("ArgmaxTask.Error", logits, targets, mask);

    /// <summary>The core's output at the answer step, zero elsewhere.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 1]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns><c>[T, B, 1]</c>.</returns>
    public Tensor Prediction(Tensor logits, Tensor mask) => SequenceLosses.MaskedValues("ArgmaxTask.Prediction", logits, mask);

    /// <summary>Renders <c>Input: 3 0 4 1</c>, <c>Target: 2</c> and <c>Model Output: 1.7300</c> per entry.</summary>
    /// <param name="data">The batch to show.</param>
    /// <param name="modelOutput">Optional <see cref="Prediction"/>, <c>[T, B, 1]</c>.</param>
    /// <param name="wholeBatch">Show every batch entry instead of only the first.</param>
    public string ToHumanReadable(DatasetTensors data, Tensor? modelOutput = null, bool wholeBatch = false) =>
        DigitSequences.ToHumanReadable(data, modelOutput, wholeBatch);

    private static float FirstIndexOfMax(int[] digits)
    {
        int best = 0;
        for (int i = 1; i < digits.Length; i++) if (digits[i] > digits[best]) best = i;
        return best;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"ArgmaxTask: {message}");
    }
}
