using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Differentiable Neural Computer core (DeepMind's <c>DNC</c>) with its default LSTM controller: an LSTM reads the
/// input and the previous read words, drives a <see cref="MemoryAccess"/>, and a linear layer maps the controller
/// output and the new read words to the output. Parameters: <c>dnc/lstm/{w_gates,b_gates}</c>,
/// <c>dnc/memory_access/&lt;head&gt;/{w,b}</c>, <c>dnc/output_linear/{w,b}</c>; state <see cref="DncState"/>.
/// </summary>
/// <remarks>
/// For any other controller (a <see cref="DeepRnn{TFirst, TSecond}"/> stack, a custom core) use
/// <see cref="Dnc{TControllerState}"/>, e.g. through <see cref="Create{TControllerState}"/>. The two are siblings over
/// <see cref="DncBase{TControllerState}"/> rather than <c>Dnc : Dnc&lt;LstmState&gt;</c>: a class that implemented both
/// <c>IRnnCore&lt;DncState&gt;</c> and <c>IRnnCore&lt;DncState&lt;LstmState&gt;&gt;</c> would defeat type inference in
/// <see cref="DynamicRnn.Unroll{TState}"/>, and C# cannot make <see cref="DncState"/> another name for
/// <c>DncState&lt;LstmState&gt;</c>. So <c>new Dnc(options)</c> keeps its exact state type, paths and parameters, and
/// <see cref="DncState"/> converts implicitly to and from <c>DncState&lt;LstmState&gt;</c>.
/// </remarks>
[Module]
public sealed partial class Dnc : DncBase<LstmState>, IRnnCore<DncState>
{
    /// <summary>Creates the core with a Sonnet-1 LSTM controller of <see cref="MemoryCoreOptions.HiddenSize"/>; default name <c>dnc</c>.</summary>
    public Dnc(DncOptions options, string? name = null) : this(options, new Lstm(options?.HiddenSize ?? 0), name)
    {
    }

    /// <summary>
    /// Creates the core around <paramref name="controller"/>, a module whose step maps [B, in + R·Wd] to an
    /// output [B, H'] with an (h, c) state; <see cref="MemoryCoreOptions.HiddenSize"/> is then not used.
    /// </summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    public Dnc(DncOptions options, IRnnCore<LstmState> controller, string? name = null) : base(options, controller, name)
    {
    }

    /// <summary>
    /// A DNC around any recurrent core (a <see cref="Module"/>) with the state type inferred, e.g.
    /// <c>Dnc.Create(options, DeepRnn.Create(new Lstm(64), new Lstm(64)))</c>; see <see cref="Dnc{TControllerState}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    public static Dnc<TControllerState> Create<TControllerState>(DncOptions options, IRnnCore<TControllerState> controller, string? name = null)
        where TControllerState : struct, IState<TControllerState> =>
        new(options, controller, name);

    /// <summary>
    /// One step: input [B, in] (any trailing shape is flattened) and the previous state → output
    /// [B, OutputSize] and the new state.
    /// </summary>
    public (Tensor Output, DncState State) Step(Tensor input, DncState state)
    {
        var (output, readWords, access, controller) = Advance(input, state.AccessOutput, state.Access, state.Controller);
        return (output, new DncState(readWords, access, controller));
    }

    /// <summary>All zeros: read words [B, R, Wd], the access state and the LSTM state.</summary>
    public DncState InitialState(int batchSize)
    {
        var (readWords, access, controller) = InitialParts(batchSize);
        return new DncState(readWords, access, controller);
    }
}
