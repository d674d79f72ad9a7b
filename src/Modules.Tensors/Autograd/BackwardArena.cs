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

    /// <summary>The longest gradient array (<see cref="RentSlots"/>) the arena keeps; longer ones are made afresh.</summary>
    private const int MaxSlots = 64;

    /// <summary>Gradient arrays rented by the passes now running, oldest first, and the free ones by length.</summary>
    [ThreadStatic] private static List<Tensor?[]>? slotsInUse;
    [ThreadStatic] private static Stack<Tensor?[]>?[]? freeSlots;

    /// <summary>How many gradient arrays this thread's arena has made in all.</summary>
    internal static int SlotArrays { get; private set; }

    /// <summary>How many buffers this thread's arena has allocated in all.</summary>
    internal static long Allocations => pool?.Allocations ?? 0;

    /// <summary>Starts a pass; returns the mark to hand to <see cref="Exit"/>.</summary>
    public static (int Buffers, int Tensors, int Slots) Enter()
    {
        depth++;
        return ((pool ??= new BufferPool()).Mark, tensorsInUse, slotsInUse?.Count ?? 0);
    }

    /// <summary>Ends a pass: everything it rented (after <paramref name="mark"/>) becomes free for the next.</summary>
    public static void Exit((int Buffers, int Tensors, int Slots) mark)
    {
        depth--;
        pool!.Release(mark.Buffers);
        tensorsInUse = mark.Tensors;
        if (slotsInUse is { } used && used.Count > mark.Slots)
        {
            for (int i = mark.Slots; i < used.Count; i++)
            {
                var slots = used[i];
                Array.Clear(slots);   // keeps no gradient alive
                (freeSlots![slots.Length] ??= new Stack<Tensor?[]>()).Push(slots);
            }
            used.RemoveRange(mark.Slots, used.Count - mark.Slots);
        }
    }

    /// <summary>An array of <paramref name="count"/> nulls owned by the running pass (a new one when no pass runs or it is long).</summary>
    public static Tensor?[] RentSlots(int count)
    {
        if (depth == 0 || count > MaxSlots) return new Tensor?[count];
        var free = (freeSlots ??= new Stack<Tensor?[]>?[MaxSlots + 1])[count];
        Tensor?[] slots;
        if (free is { Count: > 0 }) slots = free.Pop();
        else
        {
            slots = new Tensor?[count];
            SlotArrays++;
        }
        (slotsInUse ??= []).Add(slots);
        return slots;
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
