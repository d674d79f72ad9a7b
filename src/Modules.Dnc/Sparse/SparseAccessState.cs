using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// Recurrent state of the sparse memory access of <see cref="Sam"/> and <see cref="Sdnc"/>. Row indices are stored as
/// floats (exact below 2^24), −1 where a slot holds no row. P is the rows a head read at the last step (K for SAM, 3K
/// for SDNC); S = min(R·P + 1, N) is the write slots.
/// </summary>
/// <remarks>
/// <see cref="Memory"/> and <see cref="LastAccess"/> are buffers each step updates in place (a step touches a few rows;
/// copying all N would cost what sparsity saves): a state can be stepped from once, and the step that takes it throws if
/// it was already advanced. <c>Detach()</c> keeps sharing the buffers but cuts the gradient, as it should.
/// </remarks>
/// <param name="Memory">M, [B, N, Wd] (updated in place).</param>
/// <param name="ReadIndices">The rows each head read, [B, R, P].</param>
/// <param name="ReadWeights">Their weights, [B, R, P] (differentiable: the next write goes to these rows with these weights).</param>
/// <param name="WriteIndices">The rows written, [B, S].</param>
/// <param name="WriteWeights">Their weights, [B, S].</param>
/// <param name="LastAccess">The step at which each row was last read or written with a weight above δ (0: never), [B, N] (updated in place).</param>
/// <param name="Steps">The steps taken, [B].</param>
[State]
public readonly partial record struct SparseAccessState(
    Tensor Memory, Tensor ReadIndices, Tensor ReadWeights, Tensor WriteIndices, Tensor WriteWeights, Tensor LastAccess, Tensor Steps);

/// <summary>Recurrent state of the sparse memory access with temporal links (SDNC).</summary>
/// <param name="Access">Memory, sparse read and write weights, usage.</param>
/// <param name="Links">The sparse temporal link and precedence.</param>
[State]
public readonly partial record struct SdncAccessState(SparseAccessState Access, SparseLinkState Links);
