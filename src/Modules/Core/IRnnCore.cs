using Modules.Tensors;

namespace Modules;

/// <summary>
/// A recurrent core: one time step maps an input and the previous state to an output and the next state.
/// <see cref="DynamicRnn.Unroll{TState}"/> runs it over a sequence.
/// </summary>
/// <typeparam name="TState">The core's state tree.</typeparam>
public interface IRnnCore<TState> where TState : struct, IState<TState>
{
    /// <summary>One step: <paramref name="input"/> is <c>[B, ...]</c>; returns the output <c>[B, ...]</c> and the next state.</summary>
    (Tensor Output, TState State) Step(Tensor input, TState state);

    /// <summary>The state before the first step for a batch of <paramref name="batchSize"/> sequences.</summary>
    TState InitialState(int batchSize);
}
