namespace Modules.Distributed.Tests;

/// <summary>The clear errors of <see cref="MpiProcessGroup.Start"/>; these need no MPI installation.</summary>
public sealed class StartTests
{
    [Fact]
    public void Start_OutsideALauncher_SaysToUseMpiexec()
    {
        var e = Assert.Throws<InvalidOperationException>(() => MpiProcessGroup.Start());
        Assert.Equal(
            "MpiProcessGroup: this process was not started by an MPI launcher (no PMI_RANK or PMIX_RANK in the environment); run it as 'mpiexec -n <ranks> <command>'",
            e.Message);
    }

    [Fact]
    public void MissingLibrary_NamesThePackage()
    {
        var e = Assert.Throws<DllNotFoundException>(() => NativeMpi.Open(["libmpi-that-does-not-exist.so.12"]));
        Assert.Equal("MPI library not found (tried libmpi-that-does-not-exist.so.12): install MPICH, e.g. 'apt-get install mpich'", e.Message);
    }

    [Fact]
    public void Start_NonPositiveTimeout_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MpiProcessGroup.Start(TimeSpan.Zero));
}
