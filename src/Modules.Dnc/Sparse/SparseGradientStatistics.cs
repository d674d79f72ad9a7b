namespace Modules.Dnc.Sparse;

/// <summary>
/// Counters of what the backward passes of <see cref="RowStore"/> gathers did on this thread: the evidence that a
/// sparse core's backward work grows with the rows it touched (K), not with the memory size (N).
/// </summary>
internal static class SparseGradientStatistics
{
    /// <summary>Memory rows whose gradient a backward pass routed to the step that wrote them.</summary>
    [ThreadStatic] public static long RowsVisited;

    /// <summary>Floats of the gradient tensors the gathers' backward passes allocated.</summary>
    [ThreadStatic] public static long FloatsAllocated;

    /// <summary>Zeroes both counters.</summary>
    public static void Reset()
    {
        RowsVisited = 0;
        FloatsAllocated = 0;
    }
}
