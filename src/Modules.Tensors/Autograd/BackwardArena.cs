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
    /// <summary>Buffers rented by the passes now running on this thread, oldest first (nested passes stack up).</summary>
    [ThreadStatic] private static List<float[]>? rented;

    /// <summary>Free buffers by length.</summary>
    [ThreadStatic] private static Dictionary<int, Stack<float[]>>? free;

    /// <summary>How many backward passes are running on this thread (a backward function may run one of its own).</summary>
    [ThreadStatic] private static int depth;

    /// <summary>How many buffers this thread's arena has allocated in all (tests check that warm passes allocate none).</summary>
    [ThreadStatic] private static long allocations;

    /// <summary>How many buffers this thread's arena has allocated in all.</summary>
    internal static long Allocations => allocations;

    /// <summary>Starts a pass; returns the mark to hand to <see cref="Exit"/>.</summary>
    public static int Enter()
    {
        depth++;
        return (rented ??= []).Count;
    }

    /// <summary>Ends a pass: everything it rented (after <paramref name="mark"/>) becomes free for the next.</summary>
    public static void Exit(int mark)
    {
        depth--;
        var list = rented!;
        free ??= [];
        for (int i = mark; i < list.Count; i++)
        {
            var buffer = list[i];
            if (!free.TryGetValue(buffer.Length, out var stack)) free[buffer.Length] = stack = new Stack<float[]>();
            stack.Push(buffer);
        }
        list.RemoveRange(mark, list.Count - mark);
    }

    /// <summary>
    /// A buffer of at least <paramref name="length"/> floats (contents undefined) owned by the running pass, or null when
    /// no pass runs on this thread. Lengths round up to an eighth of the next power of two (less than 25 % more), so episodes of different lengths
    /// share buffers instead of each keeping its own.
    /// </summary>
    public static float[]? Rent(int length)
    {
        if (depth == 0) return null;
        int size = RoundUp(length);
        float[] buffer;
        if (free is not null && free.TryGetValue(size, out var stack) && stack.Count > 0) buffer = stack.Pop();
        else
        {
            buffer = GC.AllocateUninitializedArray<float>(size);
            allocations++;
        }
        rented!.Add(buffer);
        return buffer;
    }

    /// <summary>The bucket size of <paramref name="length"/>: exact up to 64, then the next multiple of an eighth of the next power of two.</summary>
    internal static int RoundUp(int length)
    {
        if (length <= 64) return length;
        int quarter = (int)(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length) / 8);
        return (length + quarter - 1) / quarter * quarter;
    }
}
