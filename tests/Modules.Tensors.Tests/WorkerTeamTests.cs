using System.Diagnostics;

namespace Modules.Tensors.Tests;

/// <summary>
/// <see cref="WorkerTeam"/>, the helper threads behind the GEMM's split and the DNC's fused kernels. Property: whatever the slice count,
/// thread count and timing (helpers that watch for the next call or that sleep and must be woken), every slice of a call
/// runs exactly once and the call returns only after all of them have finished.
/// </summary>
public class WorkerTeamTests
{
    private static void WithIdleSpin(TimeSpan spin, Action action)
    {
        var saved = WorkerTeam.IdleSpin;
        try
        {
            WorkerTeam.IdleSpin = spin;
            action();
        }
        finally
        {
            WorkerTeam.IdleSpin = saved;
        }
    }

    /// <summary>
    /// Runs the call on the team, waiting while it is busy: tests of other classes may run kernels on it at the same time.
    /// A refused call runs nothing, so retrying is safe.
    /// </summary>
    private static void RunOnTeam(int count, int threads, Action<int> body)
    {
        while (!WorkerTeam.TryRun(count, threads, body)) Thread.Sleep(1);
    }

    /// <summary>Runs one call and returns how often each slice ran, read after the call returned.</summary>
    private static int[] RunCounts(int count, int threads)
    {
        var runs = new int[count];
        RunOnTeam(count, threads, s =>
        {
            Thread.SpinWait(s % 7 * 50);                       // uneven slices, so helpers and caller interleave
            Interlocked.Increment(ref runs[s]);
        });
        return runs;
    }

    [Theory]
    [InlineData(0)]        // helpers sleep between calls: every call has to wake them
    [InlineData(200)]      // helpers watch for the next call
    public void EverySliceRunsExactlyOnce_ForRandomCountsAndThreadCounts(int idleSpinMicroseconds)
    {
        WithIdleSpin(TimeSpan.FromMicroseconds(idleSpinMicroseconds), () =>
        {
            var random = new Random(17);
            for (int call = 0; call < 300; call++)
            {
                int count = random.Next(1, 70), threads = random.Next(2, 5);
                if (call % 10 == 0) Thread.Sleep(1);           // let helpers fall asleep now and then
                var runs = RunCounts(count, threads);
                Assert.All(runs, r => Assert.Equal(1, r));
            }
        });
    }

    [Fact]
    public void CallsThatAskForALongerWatch_RunEverySliceExactlyOnce_WhetherTheNextCallComesSoonOrLate()
    {
        // A call's watchAfter keeps its helpers watching past IdleSpin (0 here); the next call comes within that time, or
        // after it, when they sleep again and must be woken.
        WithIdleSpin(TimeSpan.Zero, () =>
        {
            var random = new Random(29);
            for (int call = 0; call < 200; call++)
            {
                int count = random.Next(1, 40), threads = random.Next(2, 4);
                var watch = TimeSpan.FromMicroseconds(random.Next(3) * 1000);
                var runs = new int[count];
                while (!WorkerTeam.TryRun(count, threads, runs, static (r, s) =>
                {
                    Thread.SpinWait(s % 3 * 60);
                    Interlocked.Increment(ref r[s]);
                }, watch)) Thread.Sleep(1);
                Assert.All(runs, r => Assert.Equal(1, r));
                if (call % 7 == 0) Thread.Sleep(3);             // longer than any watch: the helpers sleep
            }
        });
    }

    [Fact]
    public void ASliceException_IsRethrownAfterTheOtherSlices_AndTheTeamStaysUsable()
    {
        var runs = new int[40];
        var e = Assert.Throws<InvalidOperationException>(() => RunOnTeam(40, 2, s =>
        {
            Interlocked.Increment(ref runs[s]);
            if (s == 13) throw new InvalidOperationException("slice 13");
        }));
        Assert.Equal("slice 13", e.Message);
        Assert.All(runs, r => Assert.Equal(1, r));
        Assert.All(RunCounts(40, 2), r => Assert.Equal(1, r));
    }

    [Fact]
    public void ACallFromInsideASlice_IsRefused_AndForRunsItInOrderOnThatThread()
    {
        var inner = new int[8][];
        var refused = new bool[8];
        RunOnTeam(8, 2, s =>
        {
            refused[s] = !WorkerTeam.TryRun(4, 2, _ => { });
            var order = new List<int>();
            WorkerTeam.For(4, 2, i => order.Add(i));   // not thread-safe: fine only if it stays serial
            inner[s] = [.. order];
        });
        Assert.All(refused, Assert.True);
        Assert.All(inner, order => Assert.Equal([0, 1, 2, 3], order));
    }

    [Fact]
    public void CallsFromSeveralThreadsAtOnce_EachRunEverySliceOnce()
    {
        // Each call asks for the team, and all but one at a time are refused and run on their own thread.
        var results = new int[4][];
        var callers = Enumerable.Range(0, 4).Select(c => new Thread(() =>
        {
            var runs = new int[64];
            for (int call = 0; call < 200; call++) WorkerTeam.For(64, 2, s => Interlocked.Increment(ref runs[s]));
            results[c] = runs;
        })).ToArray();
        foreach (var t in callers) t.Start();
        foreach (var t in callers) t.Join();
        Assert.All(results, runs => Assert.All(runs, r => Assert.Equal(200, r)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    public void EachCallsSlicesSeeThatCallsState_WhenTheCallObjectIsReused(int idleSpinMicroseconds)
    {
        // One call object serves every call with the same state type; a helper that picks it up late must neither run a
        // slice of an earlier call again nor run a slice with another call's state.
        WithIdleSpin(TimeSpan.FromMicroseconds(idleSpinMicroseconds), () =>
        {
            var random = new Random(23);
            for (int call = 0; call < 300; call++)
            {
                int count = random.Next(1, 70), threads = random.Next(2, 5);
                var runs = new int[count];
                var seen = new int[count];
                while (!WorkerTeam.TryRun(count, threads, (runs, seen, call), static (state, s) =>
                {
                    Thread.SpinWait(s % 5 * 40);
                    Interlocked.Increment(ref state.runs[s]);
                    state.seen[s] = state.call;
                })) Thread.Sleep(1);
                Assert.All(runs, r => Assert.Equal(1, r));
                Assert.All(seen, c => Assert.Equal(call, c));
            }
        });
    }

    [Fact]
    public void AWarmCallWithAStructStateAndAStaticBody_AllocatesNothingOnTheCallingThread()
    {
        var sums = new long[16];
        static void Add((long[] Sums, int Value) state, int s) => Interlocked.Add(ref state.Sums[s], state.Value + s);
        Action<(long[], int), int> body = Add;
        int completed = 0;
        for (int warm = 0; warm < 3; warm++)
        {
            WorkerTeam.For(16, 1, (sums, 1), body);
            completed += WorkerTeam.TryRun(16, 2, (sums, 1), body) ? 2 : 1;
        }
        // Other tests in this process may hold the team for a while: after 100 calls, keep calling (up to 10 s) until
        // one ran on it, so the measured calls always include a team call.
        int teamCalls = 0;
        long deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 0; call < 100 || (teamCalls == 0 && Stopwatch.GetTimestamp() < deadline); call++)
        {
            WorkerTeam.For(16, 1, (sums, 1), body);            // serial
            completed++;
            if (WorkerTeam.TryRun(16, 2, (sums, 1), body)) { teamCalls++; completed++; }
            else if (call >= 100) Thread.Sleep(1);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(teamCalls > 0, "the team was busy with other calls for 10 s");
        // Each slice s gets (1 + s) per completed call, serial or on the team.
        for (int s = 0; s < 16; s++) Assert.Equal(completed * (1L + s), sums[s]);
    }
}
