using Modules.Checkpoints;
using Modules.Tensors;

namespace Modules.Distributed.Tests;

/// <summary>The process group over MPI, each test a real <c>mpiexec</c> job of the worker program (seconds each).</summary>
public sealed class MpiProcessGroupTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [MpiFact]
    public void TwoRanks_Collectives_MatchValuesComputedInRankOrder()
    {
        var run = MpiRun.Worker(2, Limit, "collectives");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("rank 0 of 2: collectives ok", run.Output);
        Assert.Contains("rank 1 of 2: collectives ok", run.Output);
    }

    // With three ranks the summation order changes the rounding of these inputs (the worker reports it), so a bit-exact
    // match with the rank-order sum shows that order was used, on every rank.
    [MpiFact]
    public void ThreeRanks_AllReduceSum_IsTheRankOrderSumBitForBit()
    {
        var run = MpiRun.Worker(3, Limit, "collectives");
        Assert.True(run.ExitCode == 0, run.ToString());
        for (int r = 0; r < 3; r++)
        {
            Assert.Contains($"rank {r} of 3: order matters for these inputs: True", run.Output);
            Assert.Contains($"rank {r} of 3: collectives ok", run.Output);
        }
    }

    // The worker checks, every step, that parameters are bit-identical across ranks (digest all-gather) and within
    // rtol 1e-4 / atol 1e-6 of one process training the same DNC on the whole batch; then the optimizer-state broadcast.
    [MpiFact]
    public void TwoRanks_DncSteps_StayIdenticalAcrossRanksAndMatchOneProcess()
    {
        var run = MpiRun.Worker(2, Limit, "dnc-step", "5");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("rank 0 of 2: dnc-step ok after 5 steps", run.Output);
        Assert.Contains("rank 1 of 2: dnc-step ok after 5 steps", run.Output);
    }

    // MPICH's launcher stops the remaining ranks as soon as one dies and names it; the checkpoints rank 0 wrote stay whole.
    [MpiFact]
    public void RankKilled_JobStopsAtOnce_CheckpointsIntact() => InTemporaryDirectory(dir =>
    {
        var run = MpiRun.Worker(2, Limit, "kill", "60", dir);
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains("rank 1 of 2: killing myself at step 3", run.Output);
        Assert.DoesNotContain("rank 0 of 2: step 3 done", run.Output);
        Assert.Contains("Killed", run.Output + run.Error); // mpiexec's report of how the rank ended
        // Well before the 60 s collective timeout: the launcher, not the timeout, stopped rank 0.
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(50), run.ToString());
        // Rank 0 may be stopped while writing step 2's checkpoint: the newest file under a real name is then step 1's.
        AssertCheckpointsIntact(dir, lastStep: [1, 2]);
    });

    // A rank that is alive but never joins the next collective: the others give up after the group's timeout with a
    // message naming themselves and the collective, and end the job.
    [MpiFact]
    public void RankHangs_OthersStopAfterTheTimeoutWithAMessage_CheckpointsIntact() => InTemporaryDirectory(dir =>
    {
        var run = MpiRun.Worker(2, Limit, "hang", "3", dir);
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains("rank 1 of 2: hanging at step 3", run.Output);
        Assert.Contains("rank 0 of 2: AllReduceSum (10000 elements) did not complete within 3 s", run.Error);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(60), run.ToString());
        AssertCheckpointsIntact(dir, lastStep: [2]); // rank 0 saved step 2, then waited in step 3
    });

    private static void InTemporaryDirectory(Action<string> body)
    {
        string dir = Directory.CreateTempSubdirectory("mpi-fault-").FullName;
        try
        {
            body(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // The newest checkpoint is one of lastStep, and every checkpoint under a real name (not a .tmp) loads whole and holds
    // the sum of the two ranks' ones (2) that its step computed.
    private static void AssertCheckpointsIntact(string dir, int[] lastStep)
    {
        string? latest = Checkpoint.FindLatest(dir);
        Assert.NotNull(latest);
        Assert.Contains((int)Checkpoint.StepOf(latest)!.Value, lastStep);
        foreach (string path in Directory.GetFiles(dir, "*.safetensors"))
        {
            var w = Tensor.Zeros(100, 100);
            var metadata = Checkpoint.Load(path, [new("w", w)]);
            Assert.Equal(Checkpoint.StepOf(path).ToString(), metadata[Checkpoint.StepKey]);
            Assert.All(w.ToArray(), v => Assert.Equal(2f, v));
        }
    }
}
