using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The Sparse Differentiable Neural Computer (Rae et al. 2016): <see cref="Sam"/>'s skeleton and sparse access plus
/// sparse temporal links (K_L forward and backward entries per row, a sparse precedence) and DNC-style read modes that
/// mix content, forward and backward reads.
/// </summary>
/// <remarks>
/// Parameters: <c>sdnc/lstm/{w_gates,b_gates}</c>,
/// <c>sdnc/memory_access/{read_keys,read_strengths,write_vector,erase_vector,write_gate,interpolation_gate,read_mode}/{w,b}</c>,
/// <c>sdnc/output_linear/{w,b}</c>. State: <see cref="SdncState"/>; memory and links are updated in place, so a state can
/// be stepped from once.
/// </remarks>
[Module]
public sealed partial class Sdnc : MemoryCore<SdncState, LstmState, SdncAccessState>
{
    /// <summary>Creates the core from validated <paramref name="options"/>; default name <c>sdnc</c>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SdncOptions.Validate"/>).</exception>
    public Sdnc(SdncOptions options, string? name = null) : this(options, SparseMemoryAccess.For(options), name)
    {
    }

    private Sdnc(SdncOptions options, SparseMemoryAccess access, string? name) : base(options, new Lstm(options.HiddenSize), access, name)
    {
        Options = options;
        Access = access;
    }

    /// <summary>The configuration.</summary>
    public SdncOptions Options { get; }

    /// <summary>The sparse memory access with links.</summary>
    public SparseMemoryAccess Access { get; }

    private protected override SdncState Compose(Tensor readWords, SdncAccessState access, LstmState controller) =>
        new(readWords, access.Access, access.Links, controller);

    private protected override (Tensor ReadWords, SdncAccessState Access, LstmState Controller) Split(SdncState state) =>
        (state.AccessOutput, new SdncAccessState(state.Access, state.Links), state.Controller);
}
