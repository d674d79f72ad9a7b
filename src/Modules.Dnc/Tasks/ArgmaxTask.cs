using Modules.Tensors;
using Modules.Training;

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
public sealed class ArgmaxTask : DigitSequenceTask
{
    /// <summary>Creates the task.</summary>
    /// <param name="inputSize">S: one-hot width; digits are 0..S−2 and channel S−1 is the end marker (the library's default 6).</param>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="minLength">Fewest digits (inclusive; the library uses 2).</param>
    /// <param name="maxLength">Most digits (inclusive; the library's <c>sequence_max_length</c>, default 4).</param>
    /// <exception cref="ArgumentException">A size is out of range or <paramref name="minLength"/> exceeds <paramref name="maxLength"/>.</exception>
    public ArgmaxTask(int inputSize = 6, int batchSize = 1, int minLength = 2, int maxLength = 4)
        : base(inputSize, batchSize, minLength, maxLength)
    {
    }

    /// <summary>The largest possible target, maxLength−1.</summary>
    public override float LargestTarget => MaxLength - 1;

    /// <summary>What <see cref="DigitSequenceTask.Metric(Tensor, DatasetTensors)"/> measures: <c>Accuracy</c>.</summary>
    public override string MetricName => "Accuracy";

    /// <summary>The fraction of sequences whose rounded output at the answer step is the index of the largest digit.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 1]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, 1]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    private protected override float Metric(Tensor logits, Tensor targets, Tensor mask) =>
        SequenceLosses.RoundedAccuracy("ArgmaxTask.Metric", logits, targets, mask);

    // The first index of the largest digit (ties to the first, as np.argmax).
    private protected override float Answer(int[] digits)
    {
        int best = 0;
        for (int i = 1; i < digits.Length; i++) if (digits[i] > digits[best]) best = i;
        return best;
    }
}
