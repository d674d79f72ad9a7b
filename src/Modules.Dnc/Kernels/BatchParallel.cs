using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Runs a fused kernel's independent slices (batch entries, or batch × write head) serially or on several threads: the
/// DNC kernels' policy (how many threads, from how much work) over the engine's <see cref="WorkerTeam"/>.
/// Every slice is computed by one thread in a fixed order, so results are bit-identical whatever the thread count.
/// </summary>
internal static class BatchParallel
{
    /// <summary>
    /// The most threads a kernel uses (1: always serial). Defaults to the processor count. Set it to 1 when the caller
    /// already runs several shards of a batch on their own threads.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegreeOfParallelism;
        set => maxDegreeOfParallelism = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "BatchParallel.MaxDegreeOfParallelism must be at least 1");
    }

    private static int maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// Work (in multiply-adds) below which a kernel call stays on the calling thread: the hand-off to other threads costs
    /// more than it saves for small memories (at DeepMind's defaults, N = 16, every call stays serial; at N = 128 none does).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public static long MinimumParallelWork
    {
        get => minimumParallelWork;
        set => minimumParallelWork = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "BatchParallel.MinimumParallelWork must not be negative");
    }

    private static long minimumParallelWork = 1L << 18;

    /// <summary>
    /// Runs <paramref name="body"/> (state, slice) for slices 0 … count − 1, each doing about <paramref name="workPerSlice"/>
    /// multiply-adds: on <see cref="WorkerTeam"/> when the work is large enough, else (or when the team is busy with another
    /// call) in order on the calling thread. With a static lambda and a struct <paramref name="state"/> (the tensors the
    /// slices read and write) a call allocates nothing.
    /// </summary>
    internal static void For<TState>(int count, long workPerSlice, TState state, Action<TState, int> body)
        => WorkerTeam.For(count, count * workPerSlice >= MinimumParallelWork ? MaxDegreeOfParallelism : 1, state, body);
}
