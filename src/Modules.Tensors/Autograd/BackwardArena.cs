namespace Modules.Tensors;

/// <summary>
/// The buffers of backward passes on one thread: gradients of intermediate tensors and temporaries of backward functions
/// are rented while <see cref="Tensor.Backward()"/> runs and all returned when it ends, then reused by the next pass, so
/// a training loop's backward allocates no float arrays once warm. Only the engine rents (and
/// <see cref="Tensor.BackwardBuffer"/> for backward functions); nothing rented is ever handed to a caller: leaf gradients
/// are copied out, and intermediate gradients are dropped when their node has run.
/// </summary>
internal static class BackwardArena
{
    /// <summary>This thread's buffers (nested passes stack their phases).</summary>
    [ThreadStatic] private static BufferPool? pool;

    /// <summary>How many backward passes are running on this thread (a backward function may run one of its own).</summary>
    [ThreadStatic] private static int depth;

    /// <summary>How many buffers this thread's arena has allocated in all.</summary>
    internal static long Allocations => pool?.Allocations ?? 0;

    /// <summary>Starts a pass; returns the mark to hand to <see cref="Exit"/>.</summary>
    public static int Enter()
    {
        depth++;
        return (pool ??= new BufferPool()).Mark;
    }

    /// <summary>Ends a pass: everything it rented (after <paramref name="mark"/>) becomes free for the next.</summary>
    public static void Exit(int mark)
    {
        depth--;
        pool!.Release(mark);
    }

    /// <summary>A buffer of at least <paramref name="length"/> floats (contents undefined) owned by the running pass, or null when
    /// no pass runs on this thread.</summary>
    public static float[]? Rent(int length) => depth == 0 ? null : pool!.Rent(length);
}
