using Modules.Tensors;

namespace Modules;

/// <summary>The result of <see cref="DynamicRnn.Unroll{TState}"/>.</summary>
/// <typeparam name="TState">The core's state tree.</typeparam>
/// <param name="Outputs">Every step's output stacked along time: <c>[T, B, ...]</c>, or <c>[B, T, ...]</c> from a batch-major unroll.</param>
/// <param name="FinalState">The state after the last step.</param>
/// <param name="States">The state after each step (<c>T</c> entries) when captured, otherwise null.</param>
public sealed record RnnOutput<TState>(Tensor Outputs, TState FinalState, IReadOnlyList<TState>? States)
    where TState : struct, IState<TState>;
