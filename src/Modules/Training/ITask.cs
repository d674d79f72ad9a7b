using Modules.Tensors;

namespace Modules.Training;

/// <summary>
/// The data side of a sequence task a recurrent core is trained on: it draws time-major batches and scores the core's
/// output. Presentation lives apart, in an <see cref="IEpisodeRenderer"/>; the command-line name lives in the registry
/// that builds the task.
/// </summary>
public interface ITask
{
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
    /// <param name="batch">The batch the logits answer.</param>
    /// <returns>A scalar tensor: a mean over the batch's episodes (so a batch's cost is its shards' costs weighted by their sizes).</returns>
    Tensor Cost(Tensor logits, DatasetTensors batch);

    /// <summary>What <see cref="Metric"/> measures, as reports print it, e.g. <c>bit errors per sequence</c>.</summary>
    string MetricName { get; }

    /// <summary>The task's error or accuracy measure on a batch (see <see cref="MetricName"/>), not differentiable.</summary>
    /// <param name="logits">The core's output, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="batch">The batch the logits answer.</param>
    float Metric(Tensor logits, DatasetTensors batch);
}

/// <summary>
/// One batch of a sequence task, time-major like DeepMind's <c>DatasetTensors</c>.
/// </summary>
/// <param name="Observations">Inputs fed to the model, <c>[T, B, observationSize]</c>.</param>
/// <param name="Targets">What the model should emit, <c>[T, B, targetSize]</c>.</param>
/// <param name="Mask">1 on the steps that count towards the cost, 0 elsewhere (including padding), <c>[T, B]</c>.</param>
public sealed record DatasetTensors(Tensor Observations, Tensor Targets, Tensor Mask);
