using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The Differentiable Neural Computer core (DeepMind's <c>DNC</c>) with its default LSTM controller: the
/// <see cref="MemoryCore{TState, TController, TAccess}"/> skeleton with an <see cref="Lstm"/> controller and a
/// <see cref="MemoryAccess"/>. Parameters: <c>dnc/lstm/{w_gates,b_gates}</c>, <c>dnc/memory_access/&lt;head&gt;/{w,b}</c>,
/// <c>dnc/output_linear/{w,b}</c>; state <see cref="DncState"/>.
/// </summary>
/// <remarks>
/// For any other controller (a <see cref="DeepRnn{TFirst, TSecond}"/> stack, a custom core) use
/// <see cref="Dnc{TControllerState}"/>, e.g. through <see cref="Create{TControllerState}"/>. The two are siblings rather
/// than <c>Dnc : Dnc&lt;LstmState&gt;</c>: a class that implemented both <c>IRnnCore&lt;DncState&gt;</c> and
/// <c>IRnnCore&lt;DncState&lt;LstmState&gt;&gt;</c> would defeat type inference in <see cref="DynamicRnn.Unroll{TState}"/>,
/// and C# cannot make <see cref="DncState"/> another name for <c>DncState&lt;LstmState&gt;</c>. So <c>new Dnc(options)</c>
/// keeps its exact state type, paths and parameters, and <see cref="DncState"/> converts implicitly to and from
/// <c>DncState&lt;LstmState&gt;</c>.
/// </remarks>
[Module]
public sealed partial class Dnc : MemoryCore<DncState, LstmState, AccessState>
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
    public Dnc(DncOptions options, IRnnCore<LstmState> controller, string? name = null)
        : this(options, DncParts.RequireModule(controller), DncParts.CreateAccess(options), name)
    {
    }

    private Dnc(DncOptions options, IRnnCore<LstmState> controller, MemoryAccess access, string? name) : base(options, controller, access, name)
    {
        Options = options;
        Access = access;
    }

    /// <summary>The configuration.</summary>
    public DncOptions Options { get; }

    /// <summary>The memory access module.</summary>
    public MemoryAccess Access { get; }

    /// <summary>
    /// A DNC around any recurrent core (a <see cref="Module"/>) with the state type inferred, e.g.
    /// <c>Dnc.Create(options, DeepRnn.Create(new Lstm(64), new Lstm(64)))</c>; see <see cref="Dnc{TControllerState}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The controller is not a <see cref="Module"/>.</exception>
    public static Dnc<TControllerState> Create<TControllerState>(DncOptions options, IRnnCore<TControllerState> controller, string? name = null)
        where TControllerState : struct, IState<TControllerState> =>
        new(options, controller, name);

    private protected override DncState Compose(Tensor readWords, AccessState access, LstmState controller) => new(readWords, access, controller);

    private protected override (Tensor ReadWords, AccessState Access, LstmState Controller) Split(DncState state) =>
        (state.AccessOutput, state.Access, state.Controller);
}

/// <summary>What <see cref="Dnc"/> and <see cref="Dnc{TControllerState}"/> build alike.</summary>
internal static class DncParts
{
    /// <summary>The DNC's access, sized by <paramref name="options"/>.</summary>
    public static MemoryAccess CreateAccess(DncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MemoryAccess(options.MemorySize, options.WordSize, options.NumReads, options.NumWrites,
            readContentAddressing: options.KeyMask ? new MaskedContentAddressing("read_content_weights") : null)
        {
            ReadBeforeWrite = options.ReadBeforeWrite,
        };
    }

    /// <summary>The controller, which must be a <see cref="Module"/> so its parameters are found.</summary>
    public static T RequireModule<T>(T controller) where T : class
    {
        ArgumentNullException.ThrowIfNull(controller);
        return controller is Module ? controller
            : throw new ArgumentException($"Dnc: the controller must be a Module so its parameters are found, got {controller.GetType().Name}", nameof(controller));
    }
}
