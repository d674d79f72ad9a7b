using BenchmarkDotNet.Running;
using Modules.Benchmarks;

// `tune` runs the quick stopwatch sweeps used to pick the GEMM thresholds; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "tune")
{
    GemmTuning.Run();
    return;
}
if (args.Length > 0 && args[0] == "tune-large")
{
    GemmTuning.RunLarge();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
