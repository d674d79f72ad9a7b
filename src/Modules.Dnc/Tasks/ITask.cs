using Modules.Tensors;

namespace Modules.Dnc.Tasks;

/// <summary>
/// An algorithmic sequence task a recurrent core is trained on: it draws time-major batches, scores the core's
/// output and renders an episode for people. Implemented by <see cref="RepeatCopy"/>, <see cref="CopyTask"/>,
/// <see cref="AddingTask"/> and <see cref="ArgmaxTask"/>.
/// </summary>
public interface ITask
{
    /// <summary>The task's command-line name, e.g. <c>repeat-copy</c>.</summary>
    string Name { get; }

    /// <summary>Width of one observation vector (the core's input size).</summary>
    int ObservationSize { get; }

    /// <summary>Width of one target vector (the core's output size).</summary>
    int TargetSize { get; }

    /// <summary>Episodes per batch.</summary>
    int BatchSize { get; }

    /// <summary>The longest episode (number of time steps) <see cref="Sample"/> can produce.</summary>
    int MaxEpisodeLength { get; }

    /// <summary>Draws one batch; the same generator state always yields the same batch.</summary>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <returns>Observations <c>[T, B, ObservationSize]</c>, targets <c>[T, B, TargetSize]</c>, mask <c>[T, B]</c>.</returns>
    DatasetTensors Sample(Generator rng);

    /// <summary>The loss an optimizer minimises, differentiable with respect to <paramref name="logits"/>.</summary>
    /// <param name="logits">The core's output, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>A scalar tensor.</returns>
    Tensor Cost(Tensor logits, Tensor targets, Tensor mask);

    /// <summary>What <see cref="Error"/> measures, as reports print it, e.g. <c>Bit errors per sequence</c>.</summary>
    string ErrorName { get; }

    /// <summary>The task's error measure on a batch (see <see cref="ErrorName"/>), not differentiable.</summary>
    /// <param name="logits">The core's output, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    float Error(Tensor logits, Tensor targets, Tensor mask);

    /// <summary>The core's answer in the targets' terms (rounded bits, a number), zero where the mask is zero.</summary>
    /// <param name="logits">The core's output, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns><c>[T, B, TargetSize]</c>.</returns>
    Tensor Prediction(Tensor logits, Tensor mask);

    /// <summary>Renders a batch (and optionally the core's <see cref="Prediction"/>) as text, starting with a newline.</summary>
    /// <param name="data">The batch to show.</param>
    /// <param name="modelOutput">Optional prediction, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="wholeBatch">Show every batch entry instead of only the first.</param>
    string ToHumanReadable(DatasetTensors data, Tensor? modelOutput = null, bool wholeBatch = false);
}
