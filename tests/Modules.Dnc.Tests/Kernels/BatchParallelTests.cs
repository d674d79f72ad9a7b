using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>The fused linkage kernels give bit-identical results on one thread and on many.</summary>
public class BatchParallelTests
{
    private static T WithThreads<T>(int threads, Func<T> f)
    {
        int savedThreads = BatchParallel.MaxDegreeOfParallelism;
        long savedWork = BatchParallel.MinimumParallelWork;
        try
        {
            BatchParallel.MaxDegreeOfParallelism = threads;
            BatchParallel.MinimumParallelWork = 0;   // parallel even at test sizes
            return f();
        }
        finally
        {
            BatchParallel.MaxDegreeOfParallelism = savedThreads;
            BatchParallel.MinimumParallelWork = savedWork;
        }
    }

    private static float[][] LinkAndReadsWithGradients(ulong seed)
    {
        var (link, precedence, writes) = LinkUpdateTests.RandomState(seed, 5, 2, 24);
        var x = ReadWeightsMixTests.RandomInputs(seed + 1, 5, 2, 3, 24);
        var inputs = new[] { link, precedence, writes, x[1], x[2], x[3] }.Select(t => t.Clone().RequireGrad()).ToArray();
        var (l, p) = LinkUpdate.Apply(inputs[0], inputs[1], inputs[2]);
        var read = ReadWeightsMix.Apply(l, inputs[3], inputs[4], inputs[5]);
        var probe = Tensor.Uniform(new Generator(seed + 2), read.ShapeArray(), -1, 1);
        var probeP = Tensor.Uniform(new Generator(seed + 3), p.ShapeArray(), -1, 1);
        ((read * probe).Sum() + (p * probeP).Sum()).Backward();
        return [l.ToArray(), p.ToArray(), read.ToArray(), .. inputs.Select(t => t.Grad!.ToArray())];
    }

    private static float[][] FusedStepWithGradients(ulong seed)
    {
        var inputs = LinkUpdateAndReadTests.RandomInputs(seed, 5, 2, 3, 24).Select(t => t.RequireGrad()).ToArray();
        var (l, p, read) = LinkUpdateAndRead.Apply(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5]);
        var probes = new[] { l, p, read }.Select((t, i) => Tensor.Uniform(new Generator(seed + (ulong)i), t.ShapeArray(), -1, 1)).ToArray();
        ((l * probes[0]).Sum() + (p * probes[1]).Sum() + (read * probes[2]).Sum()).Backward();
        return [l.ToArray(), p.ToArray(), read.ToArray(), .. inputs.Select(t => t.Grad!.ToArray())];
    }

    [Fact]
    public void OneThreadAndFourThreads_GiveIdenticalValuesAndGradients()
    {
        var serial = WithThreads(1, () => LinkAndReadsWithGradients(31));
        var parallel = WithThreads(4, () => LinkAndReadsWithGradients(31));
        Assert.Equal(serial.Length, parallel.Length);
        for (int i = 0; i < serial.Length; i++) Assert.Equal(serial[i], parallel[i]);
    }

    [Fact]
    public void FusedStep_OneThreadAndFourThreads_GiveIdenticalValuesAndGradients()
    {
        var serial = WithThreads(1, () => FusedStepWithGradients(32));
        var parallel = WithThreads(4, () => FusedStepWithGradients(32));
        Assert.Equal(serial.Length, parallel.Length);
        for (int i = 0; i < serial.Length; i++) Assert.Equal(serial[i], parallel[i]);
    }
}
