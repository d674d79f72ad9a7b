using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The sparse temporal link of <see cref="Sdnc"/>: the DNC's L[i, j] (how much row i was written right after row j) kept as
/// one set of entries with at most K_L per row and K_L per column, stored twice, by row (forward) and by column
/// (backward), every entry in both (see <see cref="SdncOptions.LinkSparsity"/>); and the precedence as its K_L largest
/// entries. Indices are floats, −1 for an empty entry (anywhere in a list). The link buffers are updated in place like the
/// memory (see <see cref="SparseAccessState"/>); gradients reach the values through the link rows and columns a step gathers.
/// </summary>
/// <param name="ForwardIndices">Per row i, the columns j of its entries, [B, N, K_L].</param>
/// <param name="ForwardValues">L[i, j] for those entries, [B, N, K_L].</param>
/// <param name="BackwardIndices">Per column j, the rows i of its entries, [B, N, K_L].</param>
/// <param name="BackwardValues">L[i, j] for those entries, [B, N, K_L].</param>
/// <param name="PrecedenceIndices">The rows of the precedence's entries, [B, K_L].</param>
/// <param name="PrecedenceValues">p for those rows, [B, K_L] (differentiable).</param>
[State]
public readonly partial record struct SparseLinkState(
    Tensor ForwardIndices, Tensor ForwardValues, Tensor BackwardIndices, Tensor BackwardValues, Tensor PrecedenceIndices, Tensor PrecedenceValues);
