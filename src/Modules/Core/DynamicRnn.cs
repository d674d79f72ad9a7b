using Modules.Tensors;

namespace Modules;

/// <summary>Runs a recurrent core over a sequence (Sonnet's <c>dynamic_rnn</c>), time-major or batch-major.</summary>
public static class DynamicRnn
{
    /// <summary>
    /// Applies <paramref name="core"/> to each time step of <paramref name="inputs"/> in order, threading the state,
    /// starting from <paramref name="initialState"/> or <c>core.InitialState(B)</c>. Inputs are <c>[T, B, ...]</c>
    /// (time-major, the default) or, with <paramref name="timeMajor"/> false, <c>[B, T, ...]</c> (batch-major, Sonnet's
    /// <c>time_major=False</c>); the outputs are laid out the same way.
    /// </summary>
    /// <returns>
    /// Outputs <c>[T, B, ...]</c> (or <c>[B, T, ...]</c> when batch-major), the final state, and (when
    /// <paramref name="captureStates"/>) the state after every step.
    /// </returns>
    /// <exception cref="ShapeMismatchException">The inputs have fewer than two dimensions.</exception>
    /// <exception cref="ArgumentException">The inputs have no time steps.</exception>
    public static RnnOutput<TState> Unroll<TState>(IRnnCore<TState> core, Tensor inputs, TState? initialState = null, bool captureStates = false,
        bool timeMajor = true)
        where TState : struct, IState<TState>
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(inputs);
        string layout = timeMajor ? "[T, B, ...]" : "[B, T, ...]";
        if (inputs.Rank < 2)
            throw new ShapeMismatchException("DynamicRnn.Unroll", "inputs", [-1, -1], inputs.Shape, $" ({layout}, at least two dimensions)");
        int timeAxis = timeMajor ? 0 : 1;
        int steps = inputs.Dim(timeAxis);
        if (steps == 0)
            throw new ArgumentException($"DynamicRnn.Unroll: inputs {layout} have no time steps (T = 0)", nameof(inputs));

        var state = initialState ?? core.InitialState(inputs.Dim(1 - timeAxis));
        var stepInputs = inputs.Unstack(timeAxis);
        var outputs = new Tensor[steps];
        var states = captureStates ? new TState[steps] : null;
        for (int t = 0; t < steps; t++)
        {
            (outputs[t], state) = core.Step(stepInputs[t], state);
            if (states is not null) states[t] = state;
        }
        return new RnnOutput<TState>(Tensor.Stack(timeAxis, outputs), state, states);
    }
}
