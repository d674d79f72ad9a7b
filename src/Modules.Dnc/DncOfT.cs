using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Differentiable Neural Computer core around any recurrent controller that is a <see cref="Module"/>: a
/// <see cref="DeepRnn{TFirst, TSecond}"/> of LSTMs, a GRU-like custom core, and so on; the
/// <see cref="MemoryCore{TState, TController, TAccess}"/> skeleton with a <see cref="MemoryAccess"/>. Each step the
/// controller maps [B, in + R·Wd] (input and previous read words) to an output [B, H'] that drives the access;
/// <c>output_linear</c> maps [B, H' + R·Wd] to [B, OutputSize]. Parameters: the controller's under its own name
/// (<c>dnc/deep_rnn/lstm/…</c>), <c>dnc/memory_access/&lt;head&gt;/{w,b}</c>, <c>dnc/output_linear/{w,b}</c>.
/// With an <see cref="Lstm"/> it computes exactly what <see cref="Dnc"/> does (which keeps its own <see cref="DncState"/>).
/// </summary>
/// <typeparam name="TControllerState">The controller's state; clipping applies to each of its tensors.</typeparam>
[Module]
public sealed partial class Dnc<TControllerState> : MemoryCore<DncState<TControllerState>, TControllerState, AccessState>
    where TControllerState : struct, IState<TControllerState>
{
    /// <summary>
    /// Creates the core around <paramref name="controller"/>; <see cref="MemoryCoreOptions.HiddenSize"/> is not used. Default
    /// name <c>dnc</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    public Dnc(DncOptions options, IRnnCore<TControllerState> controller, string? name = null)
        : this(options, DncParts.RequireModule(controller), DncParts.CreateAccess(options), name)
    {
    }

    private Dnc(DncOptions options, IRnnCore<TControllerState> controller, MemoryAccess access, string? name) : base(options, controller, access, name)
    {
        Options = options;
        Access = access;
    }

    /// <summary>The configuration.</summary>
    public DncOptions Options { get; }

    /// <summary>The memory access module.</summary>
    public MemoryAccess Access { get; }

    private protected override DncState<TControllerState> Compose(Tensor readWords, AccessState access, TControllerState controller) =>
        new(readWords, access, controller);

    private protected override (Tensor ReadWords, AccessState Access, TControllerState Controller) Split(DncState<TControllerState> state) =>
        (state.AccessOutput, state.Access, state.Controller);
}
