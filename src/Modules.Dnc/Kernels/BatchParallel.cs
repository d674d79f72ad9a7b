namespace Modules.Dnc.Kernels;

/// <summary>
/// Runs a fused kernel's independent slices (batch entries, or batch × write head) serially or on the thread pool.
/// Every slice is computed by one thread in a fixed order, so results are bit-identical whatever the thread count.
/// </summary>
public static class BatchParallel
{
    /// <summary>
    /// The most threads a kernel uses (1: always serial). Defaults to the processor count.
    /// </summary>
    public static int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Work (in multiply-adds) below which a kernel call stays on the calling thread: the thread pool's hand-off costs
    /// more than it saves for small memories.
    /// </summary>
    public static long MinimumParallelWork { get; set; } = 1L << 18;

    /// <summary>Runs <paramref name="body"/> for slices 0 … count − 1, each doing about <paramref name="workPerSlice"/> multiply-adds.</summary>
    internal static void For(int count, long workPerSlice, Action<int> body)
    {
        int threads = Math.Min(MaxDegreeOfParallelism, count);
        if (threads <= 1 || count * workPerSlice < MinimumParallelWork)
        {
            for (int s = 0; s < count; s++) body(s);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
