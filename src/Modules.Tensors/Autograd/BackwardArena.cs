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

    /// <summary>
    /// The tensor objects that carry rented buffers: the first <see cref="tensorsInUse"/> belong to the passes now running, the
    /// rest are free. Like the buffers, none is ever handed to a caller beyond a backward function's own call, so once the
    /// pass has ended the object can carry another buffer.
    /// </summary>
    [ThreadStatic] private static List<Tensor>? tensors;
    [ThreadStatic] private static int tensorsInUse;

    /// <summary>How many tensor objects this thread's arena has made in all.</summary>
    internal static int TensorObjects => tensors?.Count ?? 0;

    /// <summary>How many buffers this thread's arena has allocated in all.</summary>
    internal static long Allocations => pool?.Allocations ?? 0;

    /// <summary>Starts a pass; returns the mark to hand to <see cref="Exit"/>.</summary>
    public static (int Buffers, int Tensors) Enter()
    {
        depth++;
        return ((pool ??= new BufferPool()).Mark, tensorsInUse);
    }

    /// <summary>Ends a pass: everything it rented (after <paramref name="mark"/>) becomes free for the next.</summary>
    public static void Exit((int Buffers, int Tensors) mark)
    {
        depth--;
        pool!.Release(mark.Buffers);
        tensorsInUse = mark.Tensors;
    }

    /// <summary>A tensor of <paramref name="shape"/> on a rented buffer (contents undefined) owned by the running pass, or null
    /// when no pass runs on this thread.</summary>
    public static Tensor? RentTensor(int[] shape)
    {
        if (depth == 0) return null;
        var storage = pool!.Rent(ShapeUtil.SizeOf(shape));
        var list = tensors ??= [];
        if (tensorsInUse < list.Count)
        {
            var reused = list[tensorsInUse++];
            reused.Reset(storage, shape);
            return reused;
        }
        var made = new Tensor(storage, 0, shape);
        list.Add(made);
        tensorsInUse++;
        return made;
    }
}
