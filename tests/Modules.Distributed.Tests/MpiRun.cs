using System.Diagnostics;

namespace Modules.Distributed.Tests;

/// <summary>Starts the worker program under MPICH's <c>mpiexec</c> and collects its output.</summary>
internal static class MpiRun
{
    /// <summary>MPICH's launcher: <c>mpiexec.mpich</c> (Debian's name when several MPIs are installed) or <c>mpiexec</c>; null when neither is on the PATH.</summary>
    public static readonly string? Launcher = Find("mpiexec.mpich") ?? Find("mpiexec");

    /// <summary>Why the distributed tests are skipped, or null when they run.</summary>
    public static string? SkipReason => Launcher is null
        ? "mpiexec not found on the PATH: install MPICH ('apt-get install mpich') to run the distributed tests"
        : null;

    /// <summary>What one mpiexec run did.</summary>
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed)
    {
        public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    /// <summary>Runs <c>mpiexec -n ranks dotnet Modules.Distributed.Worker.dll args…</c>; kills it and fails after <paramref name="limit"/>.</summary>
    public static Result Worker(int ranks, TimeSpan limit, params string[] args) => Program("Modules.Distributed.Worker", ranks, limit, args);

    /// <summary>Runs <c>mpiexec -n ranks dotnet name.dll args…</c> (a program built next to the tests); kills it and fails after <paramref name="limit"/>.</summary>
    public static Result Program(string name, int ranks, TimeSpan limit, params string[] args)
    {
        string worker = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        Assert.True(File.Exists(worker), $"{worker} is missing");
        var start = new ProcessStartInfo(Launcher!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["-n", ranks.ToString(), Dotnet(), worker, .. args]) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"mpiexec -n {ranks} {name} {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s:\n{output.Result}\n{error.Result}");
        }
        process.WaitForExit(); // the output streams are complete after this
        return new Result(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }

    // The host the SDK runs the tests with, so the worker runs on the same runtime.
    private static string Dotnet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}

/// <summary>A test that needs mpiexec: skipped, with the reason shown, when MPICH is not installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when there is no launcher.</summary>
    public MpiFactAttribute() => Skip = MpiRun.SkipReason;
}
