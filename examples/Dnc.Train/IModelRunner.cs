using Modules;
using Modules.Tensors;

namespace DncTrain;

/// <summary>
/// What the trainer needs from a model, whatever its core and state type: unroll a batch of observations into
/// logits, its parameters by path, and the same unroll with the memory recorded for <c>--viz</c>.
/// </summary>
public interface IModelRunner
{
    /// <summary>The model's <c>--model</c> name, e.g. <c>dnc</c>.</summary>
    string Name { get; }

    /// <summary>The root module (seeding, parameters, checkpoints).</summary>
    Module Module { get; }

    /// <summary>The model's parameters by path; empty until the first unroll creates them.</summary>
    IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters();

    /// <summary>Runs the core over <paramref name="observations"/> <c>[T, B, in]</c> from its initial state.</summary>
    /// <returns>Logits <c>[T, B, out]</c>.</returns>
    Tensor Unroll(Tensor observations);

    /// <summary>As <see cref="Unroll(Tensor)"/>, recording every step's memory access into <paramref name="trace"/>.</summary>
    /// <returns>Logits <c>[T, B, out]</c>.</returns>
    Tensor Unroll(Tensor observations, EpisodeTrace trace);
}
