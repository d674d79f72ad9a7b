using Modules.Training;

namespace Modules.Distributed.Tests;

/// <summary>
/// An in-memory <see cref="IProcessGroup"/> whose ranks are threads of the test, with the same semantics as the MPI
/// group (sums in rank order), so <see cref="ParameterSync"/> can be tested without MPI.
/// </summary>
internal sealed class ThreadGroup : IProcessGroup
{
    private readonly Hub hub;

    private ThreadGroup(Hub hub, int rank)
    {
        this.hub = hub;
        Rank = rank;
    }

    public int Rank { get; }

    public int Size => hub.Slots.Length;

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> threads, one per rank; rethrows the lowest rank's failure.</summary>
    public static void Run(int size, Action<ThreadGroup> body)
    {
        var hub = new Hub(size);
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try { body(new ThreadGroup(hub, rank)); }
            catch (Exception e) { errors[rank] = e; hub.Barrier.RemoveParticipant(); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } first) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    public void Broadcast(Span<float> buffer, int root = 0)
    {
        var all = Exchange(buffer.ToArray());
        ((float[])all[root]).CopyTo(buffer);
        hub.Barrier.SignalAndWait();
    }

    public void AllReduceSum(Span<float> buffer)
    {
        var all = Exchange(buffer.ToArray());
        for (int i = 0; i < buffer.Length; i++)
        {
            float sum = ((float[])all[0])[i];
            for (int r = 1; r < Size; r++) sum += ((float[])all[r])[i];
            buffer[i] = sum;
        }
        hub.Barrier.SignalAndWait();
    }

    public void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
    {
        var blocks = Exchange(mine.ToArray());
        for (int r = 0; r < Size; r++) ((byte[])blocks[r]).CopyTo(all[(r * mine.Length)..]);
        hub.Barrier.SignalAndWait();
    }

    public void Barrier() => hub.Barrier.SignalAndWait();

    // Publishes this rank's data and returns every rank's once all have published; callers wait again after reading.
    private object[] Exchange(object mine)
    {
        hub.Slots[Rank] = mine;
        hub.Barrier.SignalAndWait();
        return hub.Slots;
    }

    private sealed class Hub(int size)
    {
        public readonly object[] Slots = new object[size];
        public readonly Barrier Barrier = new(size);
    }
}
