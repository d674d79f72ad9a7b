using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Differentiable Neural Computer core around any recurrent controller that is a <see cref="Module"/>: a
/// <see cref="DeepRnn{TFirst, TSecond}"/> of LSTMs, a GRU-like custom core, and so on. Each step the controller maps
/// [B, in + R·Wd] (input and previous read words) to an output [B, H'] that drives the <see cref="MemoryAccess"/>;
/// <c>output_linear</c> maps [B, H' + R·Wd] to [B, OutputSize]. Parameters: the controller's under its own name
/// (<c>dnc/deep_rnn/lstm/…</c>), <c>dnc/memory_access/&lt;head&gt;/{w,b}</c>, <c>dnc/output_linear/{w,b}</c>.
/// With an <see cref="Lstm"/> it computes exactly what <see cref="Dnc"/> does (which keeps its own
/// <see cref="DncState"/>).
/// </summary>
/// <typeparam name="TControllerState">The controller's state; clipping applies to each of its tensors.</typeparam>
[Module]
public sealed partial class Dnc<TControllerState> : DncBase<TControllerState>, IRnnCore<DncState<TControllerState>>
    where TControllerState : struct, IState<TControllerState>
{
    /// <summary>
    /// Creates the core around <paramref name="controller"/>; <see cref="MemoryCoreOptions.HiddenSize"/> is not used. Default
    /// name <c>dnc</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    public Dnc(DncOptions options, IRnnCore<TControllerState> controller, string? name = null) : base(options, controller, name)
    {
    }

    /// <summary>
    /// One step: input [B, in] (any trailing shape is flattened) and the previous state → output
    /// [B, OutputSize] and the new state.
    /// </summary>
    public (Tensor Output, DncState<TControllerState> State) Step(Tensor input, DncState<TControllerState> state)
    {
        var (output, readWords, access, controller) = Advance(input, state.AccessOutput, state.Access, state.Controller);
        return (output, new DncState<TControllerState>(readWords, access, controller));
    }

    /// <summary>Zero read words [B, R, Wd] and access state, and the controller's initial state.</summary>
    public DncState<TControllerState> InitialState(int batchSize)
    {
        var (readWords, access, controller) = InitialParts(batchSize);
        return new DncState<TControllerState>(readWords, access, controller);
    }
}
