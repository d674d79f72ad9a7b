using Modules.Tensors;

namespace Modules.Training;

/// <summary>What <see cref="SequenceTrainer"/> trains: a module that maps a time-major batch of observations to logits.</summary>
public interface ISequenceModel
{
    /// <summary>The root module (seeding, parameters, checkpoints).</summary>
    Module Module { get; }

    /// <summary>Runs the model over <paramref name="observations"/> <c>[T, B, in]</c> from its initial state.</summary>
    /// <returns>Logits <c>[T, B, out]</c>.</returns>
    Tensor Unroll(Tensor observations);
}

/// <summary>Builds <see cref="ISequenceModel"/>s.</summary>
public static class SequenceModel
{
    /// <summary>A recurrent core that is a <see cref="Module"/>, unrolled with <see cref="DynamicRnn"/> from its initial state.</summary>
    /// <exception cref="ArgumentException">The core is not a <see cref="Module"/> (its parameters could not be found).</exception>
    public static ISequenceModel FromCore<TState>(IRnnCore<TState> core) where TState : struct, IState<TState>
    {
        ArgumentNullException.ThrowIfNull(core);
        return core is Module module ? new CoreModel<TState>(module, core)
            : throw new ArgumentException($"SequenceModel: the core must be a Module so its parameters are found, got {core.GetType().Name}", nameof(core));
    }

    private sealed class CoreModel<TState>(Module module, IRnnCore<TState> core) : ISequenceModel where TState : struct, IState<TState>
    {
        public Module Module => module;

        public Tensor Unroll(Tensor observations) => DynamicRnn.Unroll(core, observations).Outputs;
    }
}
