using Modules.Tensors;

namespace Modules;

/// <summary>Runs a recurrent core over a time-major sequence (Sonnet's <c>dynamic_rnn</c>).</summary>
public static class DynamicRnn
{
    /// <summary>
    /// Applies <paramref name="core"/> to each time step of <paramref name="inputs"/> <c>[T, B, ...]</c> in order,
    /// threading the state, starting from <paramref name="initialState"/> or <c>core.InitialState(B)</c>.
    /// </summary>
    /// <returns>Outputs <c>[T, B, ...]</c>, the final state, and (when <paramref name="captureStates"/>) the state after every step.</returns>
    /// <exception cref="ArgumentException">The inputs have fewer than two dimensions or no time steps.</exception>
    public static RnnOutput<TState> Unroll<TState>(IRnnCore<TState> core, Tensor inputs, TState? initialState = null, bool captureStates = false)
        where TState : struct, IState<TState>
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank < 2)
            throw new ArgumentException($"DynamicRnn.Unroll: inputs must be [T, B, ...], got shape [{string.Join(", ", inputs.ShapeArray())}]", nameof(inputs));
        int steps = inputs.Dim(0);
        if (steps == 0)
            throw new ArgumentException("DynamicRnn.Unroll: inputs have no time steps (T = 0)", nameof(inputs));

        var state = initialState ?? core.InitialState(inputs.Dim(1));
        var stepInputs = inputs.Unstack(0);
        var outputs = new Tensor[steps];
        var states = captureStates ? new TState[steps] : null;
        for (int t = 0; t < steps; t++)
        {
            (outputs[t], state) = core.Step(stepInputs[t], state);
            if (states is not null) states[t] = state;
        }
        return new RnnOutput<TState>(Tensor.Stack(0, outputs), state, states);
    }
}
