using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Modules.Benchmarks;

// `tune` runs the quick stopwatch sweeps used to pick the GEMM thresholds, `sparse-timing` times SAM steps, `dnc-train` times training steps of any model
// and task of the training command for benchmarks/compare.sh; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "tune")
{
    GemmTuning.Run();
    return;
}
if (args.Length > 0 && args[0] == "dnc-train")
{
    Environment.ExitCode = DncTrainingTiming.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "sparse-timing")
{
    SparseBenchmarks.Time(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "tune-large")
{
    GemmTuning.RunLarge();
    return;
}
// The generated benchmark project can take minutes to build while other builds share the two cores.
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly)
    .Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(15)));
