using System.Numerics;

namespace Modules.Tensors;

/// <summary>
/// Float buffers rented in stacked phases and all returned when a phase ends, then reused: the storage behind
/// <see cref="BackwardArena"/> and <see cref="TensorArena"/>. Not thread-safe; each pool belongs to one thread at a time.
/// </summary>
internal sealed class BufferPool
{
    /// <summary>Lengths up to this are their own bucket; longer ones round up (see <see cref="Bucket"/>).</summary>
    private const int ExactLimit = 64;

    /// <summary>Buckets: the exact lengths 0..64, then four per power of two from 128 up to 2^31.</summary>
    private const int BucketCount = ExactLimit + 1 + 4 * 25;

    /// <summary>Buffers rented by the phases now open, oldest first.</summary>
    private readonly List<float[]> rented = [];

    /// <summary>Free buffers by bucket.</summary>
    private readonly Stack<float[]>?[] free = new Stack<float[]>?[BucketCount];

    /// <summary>
    /// Tests set this on their thread to fill every buffer this thread's pools lend with NaN, so an element that a
    /// consumer of uncleared storage (<see cref="Tensor.AllocateUninitialized"/>, <see cref="Tensor.BackwardBufferUninitialized"/>)
    /// fails to write shows in its results.
    /// </summary>
    [ThreadStatic] internal static bool PoisonOnRent;

    /// <summary>How many buffers this pool has allocated in all (tests check that warm phases allocate none).</summary>
    public long Allocations { get; private set; }

    /// <summary>Starts a phase; hand the mark to <see cref="Release"/> to return what the phase rented.</summary>
    public int Mark => rented.Count;

    /// <summary>A buffer of at least <paramref name="length"/> floats (contents undefined), returned at the next <see cref="Release"/> below its mark.</summary>
    public float[] Rent(int length)
    {
        int bucket = Bucket(length, out int size);
        var stack = free[bucket];
        float[] buffer;
        if (stack is { Count: > 0 }) buffer = stack.Pop();
        else
        {
            buffer = GC.AllocateUninitializedArray<float>(size);
            Allocations++;
        }
        if (PoisonOnRent) buffer.AsSpan().Fill(float.NaN);
        rented.Add(buffer);
        return buffer;
    }

    /// <summary>Ends a phase: everything rented since <paramref name="mark"/> becomes free for the next.</summary>
    public void Release(int mark)
    {
        for (int i = mark; i < rented.Count; i++)
        {
            var buffer = rented[i];
            int bucket = Bucket(buffer.Length, out _);
            (free[bucket] ??= new Stack<float[]>()).Push(buffer);
        }
        rented.RemoveRange(mark, rented.Count - mark);
    }

    /// <summary>The bucket of <paramref name="length"/> and the buffer size it gets: exact up to 64, then the next multiple of an eighth
    /// of the next power of two (less than 25 % more), so episodes of different lengths share buffers instead of each keeping its own.</summary>
    private static int Bucket(int length, out int size)
    {
        if (length <= ExactLimit)
        {
            size = length;
            return length;
        }
        uint power = BitOperations.RoundUpToPowerOf2((uint)length);   // ≥ 128
        int eighth = (int)(power / 8), eighths = (length + eighth - 1) / eighth;   // 5..8, since power / 2 < length ≤ power
        size = eighths * eighth;
        return ExactLimit + 1 + 4 * (BitOperations.Log2(power) - 7) + eighths - 5;
    }
}
