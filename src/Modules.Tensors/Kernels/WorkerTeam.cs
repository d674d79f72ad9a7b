using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Modules.Tensors;

/// <summary>
/// Long-lived helper threads that share the slices of one parallel call with the calling thread: the one team behind the
/// GEMM's split, the DNC's fused kernels (through <c>BatchParallel</c> in Modules.Dnc) and the nearest-neighbour searches,
/// so their work does not compete for the cores with a second set of thread-pool workers. The caller posts the call to
/// the helpers it needs and takes slices itself from a shared counter, so a helper that starts late (on a busy machine it
/// may not run at all) only leaves more slices to the caller, and the caller waits only for slices already being computed.
/// The hand-off is one store and, for a sleeping helper, one wake-up: no tasks, no replicas, no per-call options as with
/// <see cref="Parallel.For(int, int, Action{int})"/>. After a call a helper watches for the next one for
/// <see cref="IdleSpin"/> (a time step's kernels and products come in quick succession), or for the longer time the call
/// asked for, then sleeps on its lock.
/// One call at a time: a call made while the team is busy (from another thread, or from inside a slice) is refused by
/// <see cref="TryRun"/> and runs in order on its own thread with <see cref="For"/>.
/// </summary>
internal static class WorkerTeam
{
    /// <summary>How long a helper keeps watching for the next call after finishing one before it goes to sleep.</summary>
    internal static TimeSpan IdleSpin { get; set; } = TimeSpan.FromMicroseconds(50);

    private static readonly object HelpersLock = new();
    private static volatile Helper[] helpers = [];
    private static int busy;

    /// <summary>
    /// Runs <paramref name="body"/> for slices 0 … count − 1, each on one thread: on the team with up to
    /// <paramref name="threads"/> threads, or in order on the calling thread when one thread is asked for, there is one
    /// slice, or the team is busy with another call. A slice's result must not depend on the thread that computes it.
    /// </summary>
    internal static void For(int count, int threads, Action<int> body) => For(count, threads, body, static (b, s) => b(s));

    /// <summary>
    /// <see cref="For(int, int, Action{int})"/> with the slices' shared inputs passed as <paramref name="state"/> to
    /// <paramref name="body"/> (state, slice): with a static lambda and a struct state a call allocates nothing, where a
    /// capturing lambda costs a closure and a delegate per call.
    /// </summary>
    /// <param name="count">Slices.</param>
    /// <param name="threads">Most threads to use, the caller's included.</param>
    /// <param name="state">The slices' shared inputs.</param>
    /// <param name="body">(state, slice).</param>
    /// <param name="watchAfter">
    /// How long the helpers watch for the next call after this one, when longer than <see cref="IdleSpin"/>: for calls that
    /// come back after a known pause (a training step's shards after the optimizer step), where waking a sleeping helper
    /// costs tens of microseconds.
    /// </param>
    internal static void For<TState>(int count, int threads, TState state, Action<TState, int> body, TimeSpan watchAfter = default)
    {
        if (Math.Min(threads, count) > 1 && TryRun(count, Math.Min(threads, count), state, body, watchAfter)) return;
        for (int s = 0; s < count; s++) body(state, s);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for slices 0 … count − 1 on the calling thread and up to
    /// <paramref name="threads"/> − 1 helpers; each slice runs exactly once, on one thread. Returns false without running
    /// anything when the team is already running a call. An exception thrown by a slice is rethrown here (the first one,
    /// after every slice has finished).
    /// </summary>
    internal static bool TryRun(int count, int threads, Action<int> body) => TryRun(count, threads, body, static (b, s) => b(s));

    /// <summary><see cref="TryRun(int, int, Action{int})"/> with the slices' shared inputs passed as <paramref name="state"/>.</summary>
    internal static bool TryRun<TState>(int count, int threads, TState state, Action<TState, int> body, TimeSpan watchAfter = default)
    {
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
        try
        {
            var team = Helpers(threads - 1);
            // One call at a time (busy), so one call object per state type serves every call: nothing is allocated.
            var call = Call<TState>.Cached ??= new Call<TState>();
            call.Start(count, state, body, watchAfter > IdleSpin ? watchAfter : IdleSpin);
            for (int h = 0; h < threads - 1; h++) team[h].Post(call);
            call.Work();
            var wait = new SpinWait();
            while (Volatile.Read(ref call.Done) < count) wait.SpinOnce(sleep1Threshold: -1);   // only slices under way remain
            var failure = call.Finish();
            if (failure is not null) ExceptionDispatchInfo.Throw(failure);
            return true;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    /// <summary>At least <paramref name="count"/> helpers, started on first need.</summary>
    private static Helper[] Helpers(int count)
    {
        var team = helpers;
        if (team.Length >= count) return team;
        lock (HelpersLock)
        {
            team = helpers;
            if (team.Length < count)
            {
                var grown = new Helper[count];
                team.CopyTo(grown, 0);
                for (int h = team.Length; h < count; h++) grown[h] = new Helper(h);
                helpers = team = grown;
            }
            return team;
        }
    }

    /// <summary>
    /// One call's slices: how many have been taken and how many have finished. The object is reused from call to call, and
    /// a helper may pick it up late, so the taken counter carries the call's number in its high half: a slice is taken only
    /// by a compare-exchange against the value (call, taken) it was read as, so a late helper either joins the current call,
    /// whose inputs were written before its counter, or finds no slice left, and never runs a slice twice.
    /// </summary>
    private abstract class Call
    {
        private long next = int.MaxValue;                        // (call number << 32) | slices taken
        private int count;
        public int Done;
        /// <summary>How long a helper watches for the next call after finishing its slices of this one.</summary>
        public TimeSpan WatchAfter;
        public Exception? Failure;

        /// <summary>Opens a new call of <paramref name="slices"/> slices; the inputs must be written before.</summary>
        protected void Open(int slices)
        {
            count = slices;
            Done = 0;
            Failure = null;
            Interlocked.Exchange(ref next, ((Volatile.Read(ref next) >> 32) + 1) << 32);   // publishes the inputs with the slices
        }

        /// <summary>Runs slice <paramref name="s"/>.</summary>
        protected abstract void Run(int s);

        /// <summary>Takes and runs slices until none is left.</summary>
        public void Work()
        {
            while (true)
            {
                long taken = Volatile.Read(ref next);
                int s = (int)taken;
                if (s >= count) return;                          // count is read after the counter: the same call's or a later one's
                if (Interlocked.CompareExchange(ref next, taken + 1, taken) != taken) continue;
                try
                {
                    Run(s);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Failure, e, null);
                }
                Interlocked.Increment(ref Done);
            }
        }
    }

    /// <summary>A call whose slices share a <typeparamref name="TState"/>; held in a generic class so the state is never boxed.</summary>
    private sealed class Call<TState> : Call
    {
        /// <summary>The one call object for this state type (the team runs one call at a time).</summary>
        public static Call<TState>? Cached;

        private TState state = default!;
        private Action<TState, int>? body;

        /// <summary>Sets the call's inputs and opens its slices.</summary>
        public void Start(int count, TState callState, Action<TState, int> callBody, TimeSpan watchAfter)
        {
            state = callState;
            body = callBody;
            WatchAfter = watchAfter;
            Open(count);
        }

        /// <summary>Closes the call once every slice has finished, dropping its inputs (so no buffer stays reachable), and returns the first failure.</summary>
        public Exception? Finish()
        {
            var failure = Failure;
            state = default!;
            body = null;
            return failure;
        }

        protected override void Run(int s) => body!(state, s);
    }

    /// <summary>A background thread that runs the calls posted to it.</summary>
    private sealed class Helper
    {
        private readonly object gate = new();
        private Call? posted;
        private int sleeping;

        public Helper(int index) =>
            new Thread(Loop) { IsBackground = true, Name = $"WorkerTeam helper {index + 1}" }.Start();

        /// <summary>Hands <paramref name="call"/> to this helper and wakes it if it sleeps.</summary>
        public void Post(Call call)
        {
            Interlocked.Exchange(ref posted, call);               // a full fence before reading sleeping (pairs with Sleep)
            if (Volatile.Read(ref sleeping) != 0)
                lock (gate) Monitor.Pulse(gate);
        }

        private void Loop()
        {
            var watch = IdleSpin;
            while (true)
            {
                var call = Watch(watch) ?? Sleep();
                Interlocked.CompareExchange(ref posted, null, call);  // a newer call posted meanwhile stays
                watch = call.WatchAfter;                              // read before the slices: the call object is reused
                call.Work();
            }
        }

        /// <summary>The posted call if one arrives within <paramref name="watch"/>, else null.</summary>
        private Call? Watch(TimeSpan watch)
        {
            long until = Stopwatch.GetTimestamp() + (long)(watch.TotalSeconds * Stopwatch.Frequency);
            do
            {
                if (Volatile.Read(ref posted) is { } call) return call;
                Thread.SpinWait(20);
            }
            while (Stopwatch.GetTimestamp() < until);
            return null;
        }

        /// <summary>Sleeps until a call is posted.</summary>
        private Call Sleep()
        {
            lock (gate)
            {
                while (true)
                {
                    Interlocked.Exchange(ref sleeping, 1);            // a full fence before reading posted (pairs with Post)
                    if (Volatile.Read(ref posted) is { } call)
                    {
                        Volatile.Write(ref sleeping, 0);
                        return call;
                    }
                    Monitor.Wait(gate);
                    Volatile.Write(ref sleeping, 0);
                }
            }
        }
    }
}
