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

    // The library trainer with the MPI group: 2 ranks × batch 8 for 20 steps against one process with batch 16 on the same
    // episodes. The worker checks after every step that the parameters are bit-identical across ranks (digest all-gather),
    // and that loss, gradients and parameters are within rtol 1e-4 / atol 1e-6 of the single process (loss 1e-5).
    [MpiFact]
    public void Trainer_TwoRanksOfBatch8_BitIdenticalAcrossRanks_MatchOneProcessOfBatch16()
    {
        var run = MpiRun.Worker(2, Limit, "trainer", "20");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("rank 0 of 2: trainer ok after 20 steps", run.Output);
        Assert.Contains("rank 1 of 2: trainer ok after 20 steps", run.Output);
    }

    // MPICH's launcher stops the remaining rank as soon as one dies and names it; the checkpoints rank 0 wrote stay whole,
    // a run with the same number of ranks resumes from the newest and finishes, and one process refuses it.
    [MpiFact]
    public void RankKilled_JobStops_CheckpointResumesWithTwoRanks_OneProcessRefuses() => InTemporaryDirectory(dir =>
    {
        var killed = MpiRun.Worker(2, Limit, "train-kill", "6", dir);
        Assert.True(killed.ExitCode != 0, killed.ToString());
        Assert.Contains("rank 1 of 2: killing myself after step 3", killed.Output);
        Assert.Contains("Killed", killed.Output + killed.Error); // mpiexec's report of how the rank ended
        Assert.DoesNotContain("rank 0 of 2: step 4 done", killed.Output);
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(60), killed.ToString());
        // Step 3's checkpoint needs rank 1's stream state, so the newest one is step 2's; every file left loads.
        Assert.Equal(2, Checkpoint.StepOf(Checkpoint.FindLatest(dir)!));
        foreach (string path in Directory.GetFiles(dir, "*.safetensors")) Assert.NotEmpty(SafeTensors.Read(path).Tensors);

        var resumed = MpiRun.Worker(2, Limit, "train", "6", dir);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("rank 0 of 2: resumed from ckpt-000002.safetensors at step 2", resumed.Output);
        Assert.Contains("rank 1 of 2: resumed from ckpt-000002.safetensors at step 2", resumed.Output);
        Assert.Contains("rank 0 of 2: trained to step 6", resumed.Output);
        Assert.Contains("rank 1 of 2: trained to step 6", resumed.Output);
        Assert.Equal(6, Checkpoint.StepOf(Checkpoint.FindLatest(dir)!));

        var single = MpiRun.Worker(1, Limit, "train", "8", dir);
        Assert.Contains($"rank 0 of 1: checkpoint {Path.Combine(dir, "ckpt-000006.safetensors")} was written by 2 rank(s), this run has 1; resume with the same number of ranks", single.Error);
        Assert.Equal(6, Checkpoint.StepOf(Checkpoint.FindLatest(dir)!));
    });

    // A rank that is alive but never joins the next collective: the others give up after the group's timeout with a
    // message naming themselves and the collective, and end the job.
    [MpiFact]
    public void RankHangs_OthersStopAfterTheTimeoutWithAMessage_CheckpointsIntact() => InTemporaryDirectory(dir =>
    {
        var run = MpiRun.Worker(2, Limit, "hang", "10", dir); // 10 s: the first steps must not time out on a loaded machine
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains("rank 1 of 2: hanging at step 3", run.Output);
        Assert.Contains("rank 0 of 2: AllReduceSum (10000 elements) did not complete within 10 s", run.Error);
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
