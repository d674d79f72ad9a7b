using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>
/// The fused kernels' backward passes take their gradient buffers from the backward arena, which hands the same buffers
/// to later passes. Property: a kernel's gradients do not depend on what earlier passes left in those buffers — the
/// gradients of one input are bit-identical on a fresh arena and after passes with other values through the same sizes.
/// </summary>
public class RecycledBackwardBufferTests
{
    private static float[][] LinkUpdateAndReadGradients(ulong seed)
    {
        var x = LinkUpdateAndReadTests.RandomInputs(seed, 2, 1, 3, 16);
        foreach (var t in x) t.RequireGrad();
        var (link, precedence, read) = LinkUpdateAndRead.Apply(x[0], x[1], x[2], x[3], x[4], x[5]);
        (link.Sum() + (precedence * precedence).Sum() + (read * read).Sum()).Backward();
        return x.Select(t => t.Grad!.ToArray()).ToArray();
    }

    private static float[][] ReadWeightsMixGradients(ulong seed)
    {
        var x = ReadWeightsMixTests.RandomInputs(seed, 2, 2, 3, 7);
        foreach (var t in x) t.RequireGrad();
        var read = ReadWeightsMix.Apply(x[0], x[1], x[2], x[3]);
        (read * read).Sum().Backward();
        return x.Select(t => t.Grad!.ToArray()).ToArray();
    }

    [Fact]
    public void LinkUpdateAndRead_GradientsAreTheSameOnAFreshAndARecycledArena() => CheckRecycled(LinkUpdateAndReadGradients);

    [Fact]
    public void ReadWeightsMix_GradientsAreTheSameOnAFreshAndARecycledArena() => CheckRecycled(ReadWeightsMixGradients);

    private static void CheckRecycled(Func<ulong, float[][]> gradients)
    {
        var first = gradients(5);
        var other = gradients(6);                         // other values through the same buffers
        Assert.NotEqual(first[0], other[0]);
        gradients(7);
        var again = gradients(5);
        Assert.Equal(first.Length, again.Length);
        for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], again[i]);
    }
}
