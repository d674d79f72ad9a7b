using System.Globalization;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// The repeat-copy task of DeepMind's <c>repeat_copy.py</c>: the model sees a random binary pattern
/// and a repeat count, then must emit the pattern that many times followed by an end flag.
/// </summary>
/// <remarks>
/// Episode layout for one batch entry with pattern length L and R repeats (total (R+1)·L+3 steps):
/// observation t=0 carries the start flag (channel <c>numBits</c>), t=1..L the pattern, t=L+1 the
/// normalised repeat count R/normMax (channel <c>numBits+1</c>), then zeros. The target is zero for the
/// first L+2 steps, then the pattern R times, then the end flag (channel <c>numBits</c>) on the last step.
/// The mask is 0 on the first L+2 steps and 1 on the L·R+1 output steps. Shorter episodes in a batch are
/// padded with zeros (mask 0) up to the longest one.
/// </remarks>
public sealed class RepeatCopy : ITask
{
    /// <summary>Creates the task; every argument matches <c>repeat_copy.RepeatCopy</c> in name, meaning and default.</summary>
    /// <param name="numBits">Width of each pattern vector.</param>
    /// <param name="batchSize">Episodes per batch.</param>
    /// <param name="minLength">Smallest pattern length (inclusive).</param>
    /// <param name="maxLength">Largest pattern length (inclusive).</param>
    /// <param name="minRepeats">Smallest repeat count (inclusive).</param>
    /// <param name="maxRepeats">Largest repeat count (inclusive).</param>
    /// <param name="normMax">The repeat count is fed as R / normMax.</param>
    /// <param name="logProbInBits">Report the cost in bits instead of nats.</param>
    /// <param name="timeAverageCost">Divide each sequence's cost by its number of masked steps.</param>
    public RepeatCopy(int numBits = 6, int batchSize = 1, int minLength = 1, int maxLength = 1, int minRepeats = 1,
        int maxRepeats = 2, int normMax = 10, bool logProbInBits = false, bool timeAverageCost = false)
    {
        Require(numBits > 0, $"numBits must be positive, got {numBits}");
        Require(batchSize > 0, $"batchSize must be positive, got {batchSize}");
        Require(minLength > 0, $"minLength must be positive, got {minLength}");
        Require(minLength <= maxLength, $"minLength ({minLength}) must not exceed maxLength ({maxLength})");
        Require(minRepeats > 0, $"minRepeats must be positive, got {minRepeats}");
        Require(minRepeats <= maxRepeats, $"minRepeats ({minRepeats}) must not exceed maxRepeats ({maxRepeats})");
        Require(normMax > 0, $"normMax must be positive, got {normMax}");
        NumBits = numBits;
        BatchSize = batchSize;
        MinLength = minLength;
        MaxLength = maxLength;
        MinRepeats = minRepeats;
        MaxRepeats = maxRepeats;
        NormMax = normMax;
        LogProbInBits = logProbInBits;
        TimeAverageCost = timeAverageCost;
    }

    /// <summary>Width of each pattern vector.</summary>
    public int NumBits { get; }
    /// <summary>Episodes per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Smallest pattern length (inclusive).</summary>
    public int MinLength { get; }
    /// <summary>Largest pattern length (inclusive).</summary>
    public int MaxLength { get; }
    /// <summary>Smallest repeat count (inclusive).</summary>
    public int MinRepeats { get; }
    /// <summary>Largest repeat count (inclusive).</summary>
    public int MaxRepeats { get; }
    /// <summary>Normaliser of the repeat-count channel.</summary>
    public int NormMax { get; }
    /// <summary>Whether <see cref="Cost"/> is in bits (divided by ln 2).</summary>
    public bool LogProbInBits { get; }
    /// <summary>Whether <see cref="Cost"/> divides each sequence's cost by its masked step count.</summary>
    public bool TimeAverageCost { get; }

    /// <summary>Observation width: the pattern bits, the start flag and the repeat-count channel.</summary>
    public int ObservationSize => NumBits + 2;

    /// <summary>Target width: the pattern bits and the end flag.</summary>
    public int TargetSize => NumBits + 1;

    /// <summary>Longest episode this task can produce, (maxRepeats+1)·maxLength+3 steps.</summary>
    public int MaxEpisodeLength => (MaxRepeats + 1) * MaxLength + 3;

    /// <summary>
    /// Draws one batch. Lengths for all entries are drawn first, then repeat counts, then each entry's
    /// pattern row by row, so the same generator state always yields the same batch. Inside a <see cref="TensorArena"/>
    /// scope the batch's storage is the arena's, like an op's result (released when the scope ends).
    /// </summary>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <returns>Observations <c>[T, B, numBits+2]</c>, targets <c>[T, B, numBits+1]</c>, mask <c>[T, B]</c>.</returns>
    public DatasetTensors Sample(Generator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int batch = BatchSize;
        // No arrays of its own per batch: small draws on the stack, the batch's storage from the trainer's arena when its
        // step scope is open (Tensor.Allocate; zeros, as the layout below assumes), else ordinary storage.
        Span<int> lengths = batch <= 256 ? stackalloc int[batch] : new int[batch];
        Span<int> repeats = batch <= 256 ? stackalloc int[batch] : new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = rng.NextInt(MinLength, MaxLength + 1);
        for (int b = 0; b < batch; b++) repeats[b] = rng.NextInt(MinRepeats, MaxRepeats + 1);

        int steps = 0;
        for (int b = 0; b < batch; b++) steps = Math.Max(steps, (repeats[b] + 1) * lengths[b] + 3);

        int obsSize = ObservationSize, targSize = TargetSize;
        var observations = Tensor.Allocate(steps, batch, obsSize);
        var targets = Tensor.Allocate(steps, batch, targSize);
        var masks = Tensor.Allocate(steps, batch);
        Span<float> obs = observations.Data, targ = targets.Data, mask = masks.Data;
        int startEndFlag = NumBits, repeatsChannel = NumBits + 1;
        int patternSize = MaxLength * NumBits;
        Span<float> patterns = patternSize <= 1024 ? stackalloc float[patternSize] : new float[patternSize];

        for (int b = 0; b < batch; b++)
        {
            int length = lengths[b], reps = repeats[b];
            var pattern = patterns[..(length * NumBits)];   // [length, NumBits]
            for (int i = 0; i < length; i++)
                for (int k = 0; k < NumBits; k++)
                    pattern[i * NumBits + k] = rng.NextInt(0, 2);

            obs[ObsIndex(0, b, startEndFlag)] = 1f;
            for (int i = 0; i < length; i++)
                for (int k = 0; k < NumBits; k++)
                    obs[ObsIndex(1 + i, b, k)] = pattern[i * NumBits + k];
            obs[ObsIndex(length + 1, b, repeatsChannel)] = (float)reps / NormMax;

            int outputStart = length + 2;
            for (int r = 0; r < reps; r++)
                for (int i = 0; i < length; i++)
                    for (int k = 0; k < NumBits; k++)
                        targ[TargIndex(outputStart + r * length + i, b, k)] = pattern[i * NumBits + k];
            int last = outputStart + reps * length;
            targ[TargIndex(last, b, startEndFlag)] = 1f;
            for (int t = outputStart; t <= last; t++) mask[t * batch + b] = 1f;
        }

        return new DatasetTensors(observations, targets, masks);

        int ObsIndex(int t, int b, int c) => (t * batch + b) * obsSize + c;
        int TargIndex(int t, int b, int c) => (t * batch + b) * targSize + c;
    }

    /// <summary>
    /// The task's training loss (DeepMind's <c>masked_sigmoid_cross_entropy</c>): sigmoid cross-entropy
    /// summed over features, weighted by the mask and summed over time, then averaged over the batch.
    /// Differentiable with respect to <paramref name="logits"/>.
    /// </summary>
    /// <param name="logits">Model output before the sigmoid, <c>[T, B, numBits+1]</c>.</param>
    /// <param name="batch">The batch: targets <c>[T, B, numBits+1]</c>, mask <c>[T, B]</c>.</param>
    /// <returns>A scalar tensor.</returns>
    public Tensor Cost(Tensor logits, DatasetTensors batch) =>
        MaskedSigmoidCrossEntropy(logits, Require(batch).Targets, batch.Mask, TimeAverageCost, LogProbInBits);

    /// <summary>
    /// Masked sigmoid cross-entropy as in DeepMind's <c>repeat_copy.masked_sigmoid_cross_entropy</c>.
    /// </summary>
    /// <param name="logits">Logits, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Binary targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <param name="timeAverage">Divide each sequence's loss by its mask count (+ float32 epsilon).</param>
    /// <param name="logProbInBits">Divide the result by ln 2.</param>
    /// <returns>A scalar tensor: Σ_b Σ_t mask·Σ_f xent, divided by B.</returns>
    public static Tensor MaskedSigmoidCrossEntropy(Tensor logits, Tensor targets, Tensor mask,
        bool timeAverage = false, bool logProbInBits = false) =>
        SequenceLosses.MaskedSigmoidCrossEntropy($"RepeatCopy.{nameof(MaskedSigmoidCrossEntropy)}", logits, targets, mask,
            timeAverage, logProbInBits);

    /// <summary>
    /// Bit errors per sequence: the number of masked output bits where round(σ(logits)) differs from the
    /// target, summed over time and features and averaged over the batch.
    /// </summary>
    /// <param name="logits">Model output before the sigmoid, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>Average wrong bits per sequence.</returns>
    public static float BitErrors(Tensor logits, Tensor targets, Tensor mask) =>
        SequenceLosses.BitErrors($"RepeatCopy.{nameof(BitErrors)}", logits, targets, mask);

    /// <summary>What <see cref="Metric"/> measures: <c>Bit errors per sequence</c>.</summary>
    public string MetricName => "Bit errors per sequence";

    /// <summary>Bit errors per sequence on the output steps (<see cref="BitErrors"/>).</summary>
    /// <param name="logits">Model output before the sigmoid, <c>[T, B, numBits+1]</c>.</param>
    /// <param name="batch">The batch: targets <c>[T, B, numBits+1]</c>, mask <c>[T, B]</c>.</param>
    public float Metric(Tensor logits, DatasetTensors batch) => BitErrors(logits, Require(batch).Targets, batch.Mask);

    /// <summary>How <see cref="BitSequenceRenderer"/> shows this task's batches (the repeat channel un-normalised).</summary>
    public BitSequenceRenderer Renderer => new(NormMax);

    /// <summary>
    /// The model's binary prediction as <c>train.py</c> shows it: round(mask·σ(logits)).
    /// </summary>
    /// <param name="logits">Model output before the sigmoid, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>0/1 values, <c>[T, B, F]</c>, zero where the mask is zero.</returns>
    public static Tensor RoundedPrediction(Tensor logits, Tensor mask) =>
        SequenceLosses.RoundedBits($"RepeatCopy.{nameof(RoundedPrediction)}", logits, mask);

    private static DatasetTensors Require(DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"RepeatCopy: {message}");
    }
}
