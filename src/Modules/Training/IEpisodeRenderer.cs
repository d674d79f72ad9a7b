using Modules.Tensors;

namespace Modules.Training;

/// <summary>The presentation side of a task: renders a batch, and optionally a core's answer to it, for people.</summary>
public interface IEpisodeRenderer
{
    /// <summary>Renders <paramref name="batch"/> as text that starts with a newline.</summary>
    /// <param name="batch">The batch to show.</param>
    /// <param name="logits">The core's output for the batch, <c>[T, B, TargetSize]</c>, or null to show the batch alone.</param>
    /// <param name="wholeBatch">Show every batch entry instead of only the first.</param>
    string Render(DatasetTensors batch, Tensor? logits = null, bool wholeBatch = false);
}
