using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// The generalised adding task of the PyTorch DNC library (<c>tasks/adding_task.py</c>): the model reads a sequence
/// of one-hot digits and an end marker, and on the end marker's step must output the sum of the digits.
/// </summary>
/// <remarks>
/// Episode layout for one batch entry with L digits (L+1 steps), input size S: observations have S channels;
/// t = 0..L−1 are one-hot digits d_i drawn uniformly from 0..S−2 (the library's <c>randint(0, size − 1)</c>), t = L is
/// the end marker one-hot(S−1). The target has one channel: Σ d_i at t = L, zero elsewhere; the mask is 1 only at
/// t = L. Lengths are drawn per entry (the library draws them from [2, max]); shorter episodes are zero-padded after
/// the end marker with mask 0. The core's single output at the answer step is the prediction; the library sums its
/// input-sized output over features instead, which is one more linear map to a single number, so a one-wide output
/// is the same model class with one fewer redundancy. The library's first version sums the output over all steps
/// too; its second (<c>adding_task_v2.py</c>) scores only the last step, which is what this layout does.
/// Cost: squared error at the answer step, averaged over the batch (the library's <c>mean((w·output − target)²)</c>
/// also divides by the sequence length, which would weigh long sequences less; this does not).
/// Error measure: absolute error |prediction − sum|, averaged over the batch.
/// </remarks>
public sealed class AddingTask : DigitSequenceTask
{
    /// <summary>Creates the task.</summary>
    /// <param name="inputSize">S: one-hot width; digits are 0..S−2 and channel S−1 is the end marker (the library's default 6).</param>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="minLength">Fewest digits (inclusive; the library uses 2).</param>
    /// <param name="maxLength">Most digits (inclusive; the library's <c>sequence_max_length</c>).</param>
    /// <exception cref="ArgumentException">A size is out of range or <paramref name="minLength"/> exceeds <paramref name="maxLength"/>.</exception>
    public AddingTask(int inputSize = 6, int batchSize = 1, int minLength = 2, int maxLength = 4)
        : base(inputSize, batchSize, minLength, maxLength)
    {
    }

    /// <summary>The largest possible target, (S−2)·maxLength.</summary>
    public override float LargestTarget => (float)(InputSize - 2) * MaxLength;

    /// <summary>What <see cref="DigitSequenceTask.Metric(Tensor, DatasetTensors)"/> measures: <c>Absolute error</c>.</summary>
    public override string MetricName => "Absolute error";

    /// <summary>|prediction − sum| at the answer step, averaged over the batch.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 1]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, 1]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    private protected override float Metric(Tensor logits, Tensor targets, Tensor mask) =>
        SequenceLosses.AbsoluteError("AddingTask.Metric", logits, targets, mask);

    private protected override float Answer(int[] digits) => digits.Sum();
}
