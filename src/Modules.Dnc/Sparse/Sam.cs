using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// Sparse Access Memory (Rae et al. 2016, "Scaling Memory-Augmented Neural Networks with Sparse Reads and Writes"): the
/// <see cref="MemoryCore{TState, TController, TAccess}"/> skeleton with an LSTM controller and a
/// <see cref="SparseMemoryAccess"/>, whose heads each read the K rows nearest their key and whose write goes to the rows
/// read last step and the least recently used row. The backward pass of a step visits the rows it touched, not the
/// memory (see <see cref="RowStore"/>).
/// </summary>
/// <remarks>
/// Parameters: <c>sam/lstm/{w_gates,b_gates}</c>,
/// <c>sam/memory_access/{read_keys,read_strengths,write_vector,erase_vector,write_gate,interpolation_gate}/{w,b}</c>,
/// <c>sam/output_linear/{w,b}</c>. State: <see cref="SamState"/>; its memory is updated in place, so a state can be stepped
/// from once (a second step from it throws).
/// </remarks>
[Module]
public sealed partial class Sam : MemoryCore<SamState, LstmState, SparseAccessState>
{
    /// <summary>Creates the core from validated <paramref name="options"/>; default name <c>sam</c>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SamOptions.Validate"/>).</exception>
    public Sam(SamOptions options, string? name = null) : this(options, SparseMemoryAccess.For(options), name)
    {
    }

    private Sam(SamOptions options, SparseMemoryAccess access, string? name) : base(options, new Lstm(options.HiddenSize), access, name)
    {
        Options = options;
        Access = access;
    }

    /// <summary>The configuration.</summary>
    public SamOptions Options { get; }

    /// <summary>The sparse memory access.</summary>
    public SparseMemoryAccess Access { get; }

    private protected override SamState Compose(Tensor readWords, SparseAccessState access, LstmState controller) => new(readWords, access, controller);

    private protected override (Tensor ReadWords, SparseAccessState Access, LstmState Controller) Split(SamState state) =>
        (state.AccessOutput, state.Access, state.Controller);
}
