using DncTrain;
using Modules.Checkpoints;
using Modules.Training;

namespace Modules.Distributed.Tests;

/// <summary><c>Dnc.Train --distributed</c>: its errors, and a two-rank run under mpiexec.</summary>
public sealed class DncTrainDistributedTests
{
    [Fact]
    public void Distributed_OutsideMpiexec_IsAUsageErrorThatSaysHowToLaunch()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(["--distributed", "--num-training-iterations", "1"], stdout, stderr, interactive: false, CancellationToken.None);
        Assert.Equal(Cli.UsageError, code);
        Assert.Equal(
            "error: --distributed needs an MPI launcher: run 'mpiexec -n <ranks> dotnet examples/Dnc.Train/bin/Release/net10.0/Dnc.Train.dll --distributed …' (no PMI_RANK or PMIX_RANK in the environment)",
            stderr.ToString().TrimEnd());
        Assert.Equal("", stdout.ToString());
    }

    // Two ranks train 4 steps with reports every 2: only rank 0 prints them and writes the checkpoint, which records the
    // two ranks; a single process then refuses to resume from it.
    [MpiFact]
    public void TwoRanks_ReportOnceAndCheckpointTheirCount_OneProcessRefusesToResume()
    {
        string dir = Directory.CreateTempSubdirectory("dnc-train-mpi-").FullName;
        try
        {
            var run = MpiRun.Program("Dnc.Train", 2, TimeSpan.FromMinutes(3),
                "--distributed", "--num-training-iterations", "4", "--report-interval", "2", "--checkpoint-dir", dir);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(2, run.Output.Split('\n').Count(line => line.Contains("Avg training loss")));
            string latest = Checkpoint.FindLatest(dir)!;
            Assert.Equal(4, Checkpoint.StepOf(latest));
            Assert.Equal("2", SafeTensors.Read(latest).Metadata[SequenceTrainer.RanksKey]);

            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = Cli.Run(["--num-training-iterations", "6", "--checkpoint-dir", dir], stdout, stderr, interactive: false, CancellationToken.None);
            Assert.Equal(Cli.UsageError, code);
            Assert.Equal($"error: checkpoint {latest} was written by 2 rank(s), this run has 1; resume with the same number of ranks", stderr.ToString().TrimEnd());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
