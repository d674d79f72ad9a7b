using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// The copy task of the Neural Turing Machine paper (Graves et al. 2014): the model sees a sequence of random
/// binary vectors followed by a delimiter, then must reproduce the sequence while its input is blank.
/// </summary>
/// <remarks>
/// Episode layout for one batch entry with sequence length L (2L+1 steps), <c>numBits</c> = k:
/// observations have k+1 channels: t = 0..L−1 carry the vectors on channels 0..k−1, t = L carries only the delimiter
/// (channel k), t = L+1..2L are all zero (the output phase). Targets have k channels: zero up to t = L, then the
/// vectors again at t = L+1..2L. The mask is 1 exactly on the L output steps, so the loss and the bit errors score
/// the output phase only. Lengths are drawn per entry; shorter episodes are padded with zeros (mask 0) up to the
/// longest one. This is the layout of the reference PyTorch NTM (<c>copy_task.py</c>: input of seq_len+1 steps with
/// the delimiter on an extra channel, then seq_len output steps with zero input), unrolled as one time-major
/// sequence so that every core trains on it through the same <see cref="DynamicRnn"/> loop.
/// </remarks>
public sealed class CopyTask : ITask
{
    /// <summary>Creates the task.</summary>
    /// <param name="numBits">Width of each vector (8 in the paper).</param>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="minLength">Shortest sequence (inclusive, 1 in the paper).</param>
    /// <param name="maxLength">Longest sequence (inclusive, 20 in the paper).</param>
    /// <param name="logProbInBits">Report the cost in bits (the paper's "cost per sequence (bits)") instead of nats.</param>
    /// <exception cref="ArgumentException">A size is not positive or <paramref name="minLength"/> exceeds <paramref name="maxLength"/>.</exception>
    public CopyTask(int numBits = 8, int batchSize = 1, int minLength = 1, int maxLength = 20, bool logProbInBits = true)
    {
        Require(numBits > 0, $"numBits must be positive, got {numBits}");
        Require(batchSize > 0, $"batchSize must be positive, got {batchSize}");
        Require(minLength > 0, $"minLength must be positive, got {minLength}");
        Require(minLength <= maxLength, $"minLength ({minLength}) must not exceed maxLength ({maxLength})");
        NumBits = numBits;
        BatchSize = batchSize;
        MinLength = minLength;
        MaxLength = maxLength;
        LogProbInBits = logProbInBits;
    }

    /// <summary>Width of each vector.</summary>
    public int NumBits { get; }
    /// <summary>Episodes per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Shortest sequence (inclusive).</summary>
    public int MinLength { get; }
    /// <summary>Longest sequence (inclusive).</summary>
    public int MaxLength { get; }
    /// <summary>Whether <see cref="Cost"/> is in bits (divided by ln 2).</summary>
    public bool LogProbInBits { get; }

    /// <summary>Observation width: the vector bits and the delimiter channel.</summary>
    public int ObservationSize => NumBits + 1;

    /// <summary>Target width: the vector bits.</summary>
    public int TargetSize => NumBits;

    /// <summary>Longest episode, 2·maxLength+1 steps.</summary>
    public int MaxEpisodeLength => 2 * MaxLength + 1;

    /// <summary>
    /// Draws one batch: the lengths of all entries first, then each entry's vectors row by row (each bit
    /// <c>NextInt(0, 2)</c>), so the same generator state always yields the same batch.
    /// </summary>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <returns>Observations <c>[T, B, numBits+1]</c>, targets <c>[T, B, numBits]</c>, mask <c>[T, B]</c>.</returns>
    public DatasetTensors Sample(Generator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int batch = BatchSize, bits = NumBits;
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = rng.NextInt(MinLength, MaxLength + 1);
        int steps = 2 * lengths.Max() + 1;

        int obsSize = ObservationSize, targSize = TargetSize;
        var obs = new float[steps * batch * obsSize];
        var targ = new float[steps * batch * targSize];
        var mask = new float[steps * batch];
        for (int b = 0; b < batch; b++)
        {
            int length = lengths[b];
            for (int i = 0; i < length; i++)
                for (int k = 0; k < bits; k++)
                {
                    float bit = rng.NextInt(0, 2);
                    obs[((i * batch) + b) * obsSize + k] = bit;
                    targ[(((length + 1 + i) * batch) + b) * targSize + k] = bit;
                }
            obs[((length * batch) + b) * obsSize + bits] = 1f;   // the delimiter
            for (int t = length + 1; t <= 2 * length; t++) mask[t * batch + b] = 1f;
        }
        return new DatasetTensors(
            new Tensor(obs, steps, batch, obsSize),
            new Tensor(targ, steps, batch, targSize),
            new Tensor(mask, steps, batch));
    }

    /// <summary>
    /// Masked sigmoid cross-entropy over the output phase, summed over time and bits and averaged over the batch
    /// (in bits when <see cref="LogProbInBits"/>, i.e. the paper's cost per sequence).
    /// </summary>
    /// <param name="logits">Model output before the sigmoid, <c>[T, B, numBits]</c>.</param>
    /// <param name="batch">The batch: targets <c>[T, B, numBits]</c>, mask <c>[T, B]</c>.</param>
    /// <returns>A scalar tensor.</returns>
    public Tensor Cost(Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return SequenceLosses.MaskedSigmoidCrossEntropy("CopyTask.Cost", logits, batch.Targets, batch.Mask, logProbInBits: LogProbInBits);
    }

    /// <summary>What <see cref="Metric"/> measures: <c>Bit errors per sequence</c>.</summary>
    public string MetricName => "Bit errors per sequence";

    /// <summary>Wrong rounded bits in the output phase, per sequence (the paper's error count).</summary>
    /// <param name="logits">Model output before the sigmoid, <c>[T, B, numBits]</c>.</param>
    /// <param name="batch">The batch: targets <c>[T, B, numBits]</c>, mask <c>[T, B]</c>.</param>
    public float Metric(Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return SequenceLosses.BitErrors("CopyTask.Metric", logits, batch.Targets, batch.Mask);
    }

    /// <summary>How <see cref="BitSequenceRenderer"/> shows this task's batches.</summary>
    public BitSequenceRenderer Renderer => new();

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"CopyTask: {message}");
    }
}
