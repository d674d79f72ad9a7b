using Modules.Tensors;

namespace Modules;

/// <summary>
/// A recurrent core that can limit its output and every tensor of its new state to <c>[−clip, clip]</c> inside its own
/// step (for example in the same fused op), instead of the caller clamping them afterwards. Memory cores use it for
/// their controllers; the result must equal clamping the plain step's output and state.
/// </summary>
/// <typeparam name="TState">The core's state tree.</typeparam>
public interface IClippingRnnCore<TState> : IRnnCore<TState> where TState : struct, IState<TState>
{
    /// <summary>One step with the output and the new state clipped to <c>[−clip, clip]</c> when <paramref name="clip"/> &gt; 0.</summary>
    (Tensor Output, TState State) Step(Tensor input, TState state, float clip);
}
