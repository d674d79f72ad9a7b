using System.Diagnostics;
using Modules.Training;

namespace Modules.Distributed;

/// <summary>
/// The processes started by <c>mpiexec</c> (MPI's world communicator) as an <see cref="IProcessGroup"/>. Every
/// collective is issued as MPI's non-blocking form and polled against <see cref="Timeout"/>, so a rank whose peer died
/// or hung stops with a <see cref="ProcessGroupException"/> instead of waiting for ever.
/// </summary>
/// <remarks>
/// <para><see cref="AllReduceSum"/> does not use <c>MPI_Allreduce</c>, whose summation order is the library's choice
/// and may change with the message size, the number of ranks or the library version. The buffer is cut into
/// <see cref="Size"/> chunks; an all-to-all sends chunk c of every rank to rank c, which adds them in rank order
/// (((g₀ + g₁) + g₂) + …) and an all-gather hands the summed chunks back. The result is the same on every rank, bit for
/// bit, and each rank sends and receives about 2·(P−1)/P of the buffer, as a ring allreduce does.</para>
/// <para>MPI is initialised once per process (with <c>MPI_THREAD_SERIALIZED</c>: any thread, one call at a time) and
/// finalised by <see cref="Dispose"/>; a process holds at most one group.</para>
/// </remarks>
public sealed unsafe class MpiProcessGroup : IProcessGroup, IDisposable
{
    /// <summary>The default <see cref="Timeout"/>: long enough for the slowest rank's first step (JIT, parameter creation, a checkpoint load).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private static MpiProcessGroup? current;

    // Scratch for AllReduceSum, kept across calls (one gradient buffer per step has the same length every step).
    private float[] send = [];
    private float[] receive = [];
    private float[] chunk = [];
    private bool broken;
    private bool disposed;

    private MpiProcessGroup(int rank, int size, TimeSpan timeout)
    {
        Rank = rank;
        Size = size;
        Timeout = timeout;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>How long one collective may wait for the other ranks before this rank gives up.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Whether this process was started by an MPI launcher (<c>mpiexec</c>, <c>srun</c>): the process-management
    /// variables <c>PMI_RANK</c> or <c>PMIX_RANK</c> are set. Without one MPI would start a group of one on its own.
    /// </summary>
    public static bool IsLaunched =>
        Environment.GetEnvironmentVariable("PMI_RANK") is not null || Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <summary>
    /// Joins the group of processes this one was launched with: loads MPICH, initialises MPI and returns this rank's
    /// view of the world communicator.
    /// </summary>
    /// <param name="timeout">How long a collective may wait for the other ranks (default <see cref="DefaultTimeout"/>); must be positive.</param>
    /// <exception cref="InvalidOperationException">The process was not started by an MPI launcher (see <see cref="IsLaunched"/>), or a group is already open in this process.</exception>
    /// <exception cref="DllNotFoundException">MPICH's library is not installed; the message names the package.</exception>
    /// <exception cref="ProcessGroupException">MPI failed to initialise.</exception>
    public static MpiProcessGroup Start(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        if (limit <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), limit, "MpiProcessGroup: the timeout must be positive");
        if (!IsLaunched)
            throw new InvalidOperationException(
                "MpiProcessGroup: this process was not started by an MPI launcher (no PMI_RANK or PMIX_RANK in the environment); run it as 'mpiexec -n <ranks> <command>'");
        if (current is not null) throw new InvalidOperationException("MpiProcessGroup: a group is already open in this process");
        NativeMpi.Load();
        int initialized = 0, finalized = 0;
        CheckStartup(NativeMpi.Initialized(&initialized), "MPI_Initialized");
        CheckStartup(NativeMpi.Finalized(&finalized), "MPI_Finalized");
        if (finalized != 0) throw new InvalidOperationException("MpiProcessGroup: MPI was already finalised in this process");
        if (initialized == 0)
        {
            int provided = 0;
            CheckStartup(NativeMpi.InitThread(null, null, NativeMpi.ThreadSerialized, &provided), "MPI_Init_thread");
            if (provided < NativeMpi.ThreadSerialized)
                throw new ProcessGroupException($"MpiProcessGroup: MPI provides thread level {provided}, {NativeMpi.ThreadSerialized} (serialized) is needed");
        }
        // Errors come back as codes (then exceptions) instead of aborting the whole job from inside MPI.
        CheckStartup(NativeMpi.CommSetErrhandler(NativeMpi.CommWorld, NativeMpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        int rank = 0, size = 0;
        CheckStartup(NativeMpi.CommRank(NativeMpi.CommWorld, &rank), "MPI_Comm_rank");
        CheckStartup(NativeMpi.CommSize(NativeMpi.CommWorld, &size), "MPI_Comm_size");
        current = new MpiProcessGroup(rank, size, limit);
        return current;
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer, int root = 0)
    {
        ThrowIfUnusable();
        if ((uint)root >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"MpiProcessGroup.Broadcast: root must be in [0, {Size})");
        if (Size == 1 || buffer.IsEmpty) return;
        fixed (float* p = buffer)
        {
            int request;
            Check(NativeMpi.Ibcast(p, buffer.Length, NativeMpi.Float, root, NativeMpi.CommWorld, &request), "MPI_Ibcast", buffer.Length);
            Wait(&request, "Broadcast", buffer.Length);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Each element is summed in rank order, ((x₀ + x₁) + x₂) + …, by the rank that owns its chunk (see the class remarks).</remarks>
    public void AllReduceSum(Span<float> buffer)
    {
        ThrowIfUnusable();
        if (Size == 1 || buffer.IsEmpty) return;
        int n = buffer.Length;
        int c = (n + Size - 1) / Size; // chunk length; the last chunks are padded with zeros
        int padded = checked(c * Size);
        if (send.Length < padded) { send = new float[padded]; receive = new float[padded]; }
        if (chunk.Length < c) chunk = new float[c];
        buffer.CopyTo(send);
        send.AsSpan(n, padded - n).Clear();
        fixed (float* s = send, r = receive, m = chunk)
        {
            int request;
            // receive[k·c … (k+1)·c) = rank k's copy of this rank's chunk.
            Check(NativeMpi.Ialltoall(s, c, NativeMpi.Float, r, c, NativeMpi.Float, NativeMpi.CommWorld, &request), "MPI_Ialltoall", n);
            Wait(&request, "AllReduceSum", n);
            var sum = new Span<float>(m, c);
            new ReadOnlySpan<float>(r, c).CopyTo(sum);
            for (int k = 1; k < Size; k++) System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<float>(r + k * c, c), sum);
            Check(NativeMpi.Iallgather(m, c, NativeMpi.Float, s, c, NativeMpi.Float, NativeMpi.CommWorld, &request), "MPI_Iallgather", n);
            Wait(&request, "AllReduceSum", n);
        }
        send.AsSpan(0, n).CopyTo(buffer);
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
    {
        ThrowIfUnusable();
        if (all.Length != checked(mine.Length * Size))
            throw new ArgumentException($"MpiProcessGroup.AllGather: the output must hold {Size} × {mine.Length} = {mine.Length * Size} bytes, got {all.Length}", nameof(all));
        if (mine.IsEmpty) return;
        fixed (byte* s = mine, r = all)
        {
            int request;
            Check(NativeMpi.Iallgather(s, mine.Length, NativeMpi.Byte, r, mine.Length, NativeMpi.Byte, NativeMpi.CommWorld, &request), "MPI_Iallgather", mine.Length);
            Wait(&request, "AllGather", mine.Length);
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        ThrowIfUnusable();
        if (Size == 1) return;
        int request;
        Check(NativeMpi.Ibarrier(NativeMpi.CommWorld, &request), "MPI_Ibarrier", 0);
        Wait(&request, "Barrier", 0);
    }

    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Ends the whole job from this rank (<c>MPI_Abort</c>): the launcher stops every rank with <paramref name="exitCode"/>.
    /// Does not return. For a rank that cannot go on while others may still be waiting in a collective.
    /// </summary>
    /// <param name="exitCode">The exit code the launcher reports.</param>
    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        // The launcher relays each rank's output through its own processes, which MPI_Abort stops at once: on a busy
        // machine the message a rank wrote just before (why it stops) was lost. Give the relay a moment to pass it on.
        Thread.Sleep(AbortGrace);
        NativeMpi.Abort(NativeMpi.CommWorld, exitCode);
        Environment.Exit(exitCode); // MPI_Abort does not return; this is only reached if the library misbehaves
    }

    /// <summary>
    /// Leaves the group: finalises MPI after a last barrier. After a failed collective (a peer died or timed out) MPI
    /// cannot be finalised cleanly, so the process exits with code 1 through <see cref="Abort"/> instead.
    /// </summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        current = null;
        if (broken) Abort(1);
        NativeMpi.Finalize();
    }

    // Polls a request until it completes, the peers fail it, or the timeout passes. Polling (not MPI_Wait) is what bounds the
    // wait; it backs off from a tight loop to yielding to sleeping, so a long wait for a slower rank costs little CPU.
    private void Wait(int* request, string operation, int count)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int done = 0;
            Check(NativeMpi.Test(request, &done, (void*)1 /* MPI_STATUS_IGNORE */), operation, count);
            if (done != 0) return;
            var waited = Stopwatch.GetElapsedTime(start);
            if (waited > Timeout)
            {
                broken = true;
                throw new ProcessGroupException(
                    $"rank {Rank} of {Size}: {operation} ({count} elements) did not complete within {Timeout.TotalSeconds:0.###} s: another rank has died or stopped calling collectives; stopping");
            }
            if (waited.TotalMilliseconds < 1) continue;
            if (waited.TotalMilliseconds < 20) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    private void Check(int code, string function, int count)
    {
        if (code == NativeMpi.Success) return;
        broken = true;
        throw new ProcessGroupException($"rank {Rank} of {Size}: {function} ({count} elements) failed: {NativeMpi.Describe(code)}");
    }

    private static void CheckStartup(int code, string function)
    {
        if (code != NativeMpi.Success) throw new ProcessGroupException($"MpiProcessGroup: {function} failed: {NativeMpi.Describe(code)}");
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (broken) throw new ProcessGroupException($"rank {Rank} of {Size}: an earlier collective failed; the group cannot be used any more");
    }
}
