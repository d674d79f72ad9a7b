using Modules.Tensors;

namespace Modules.Dnc.Tests.Addressing;

public class AllocationTests
{
    [Fact]
    public void AllocatesToTheLeastUsedCells_DeepMindFigures()
    {
        var a = Allocation.Weights(new Tensor([0.1f, 0.5f, 0.9f], 1, 3));
        FiniteDifference.AssertClose([0.8999991f, 0.0500004f, 0.0050000f], a.Values, 1e-5, 1e-7);
    }

    [Fact]
    public void AllZeroUsage_TiesGoToLowerIndexFirst()
    {
        // As in DeepMind's float32 code, cells are ranked by the non-usage 1 − u, and 1 − (1 − ε) in float32
        // is 1.0133e-6 rather than 1e-6 (and the third weight ≈ 1.0133e-6 · 1.0133e-6), hence 3% relative tolerance.
        var a = Allocation.Weights(Tensor.Zeros(1, 3));
        FiniteDifference.AssertClose([1 - 1e-6f], a.Values[..1], 0, 1e-7);
        FiniteDifference.AssertClose([1e-6f, 1e-12f], a.Values[1..], 3e-2, 0);
    }

    [Fact]
    public void UnsortedUsage_IsScatteredBackToCellOrder()
    {
        var a = Allocation.Weights(new Tensor([0.9f, 0.1f, 0.5f, 0.9f, 0.1f, 0.5f], 2, 3));
        FiniteDifference.AssertClose([0.0050000f, 0.8999991f, 0.0500004f, 0.0050000f, 0.8999991f, 0.0500004f], a.Values, 1e-5, 1e-7);
    }

    [Fact]
    public void WriteWeights_HeadWithZeroGate_GivesTheNextHeadIdenticalWeights()
    {
        var usage = new Tensor([0.2f, 0.7f, 0.1f, 0.4f], 1, 4);
        var w = Allocation.WriteWeights(usage, new Tensor([0f, 1f, 1f], 1, 3));
        Assert.Equal([1, 3, 4], w.ShapeArray());
        FiniteDifference.AssertClose(w.Values.Slice(0, 4).ToArray(), w.Values.Slice(4, 4), 0, 0, "head 1 vs head 0");
        // The second head (gate 1) used the least used cell, so the third head prefers another one.
        Assert.True(w.Values[4 + 2] > 0.8f);
        Assert.True(w.Values[8 + 0] > 0.7f);
    }

    [Fact]
    public void WriteWeights_FullGatesOnFreeMemory_AllocateDistinctCells()
    {
        var w = Allocation.WriteWeights(Tensor.Zeros(1, 3), new Tensor([1f, 1f], 1, 2));
        // Head 0 takes cell 0 (ties → lower index) and leaves cell 1 with usage ε, cell 2 with ε², so
        // head 1 takes cell 2.
        Assert.True(w.Values[0] > 0.99f);
        Assert.True(w.Values[3 + 2] > 0.99f);
    }

    [Fact]
    public void AllocationGradient_MatchesFiniteDifferences()
    {
        var usage = new Tensor([0.15f, 0.62f, 0.33f, 0.91f, 0.48f], 1, 5);
        FiniteDifference.Check(x => Allocation.Weights(x[0]), [usage], eps: 1e-3f, rtol: 2e-2, atol: 2e-3);
    }

    [Fact]
    public void WriteAllocationGradient_MatchesFiniteDifferences()
    {
        // B = 7, N = 5, W = 3; usages spaced apart so a ±eps step never reorders cells.
        var rng = new Generator(17);
        var usage = Tensor.Zeros(7, 5);
        for (int b = 0; b < 7; b++)
        {
            var perm = Enumerable.Range(0, 5).OrderBy(_ => rng.NextDouble()).ToArray();
            for (int i = 0; i < 5; i++) usage.Data[b * 5 + i] = 0.1f + 0.18f * perm[i] + 0.02f * rng.NextFloat();
        }
        var gates = Tensor.Uniform(rng, [7, 3], 0.1f, 0.9f);
        FiniteDifference.Check(x => Allocation.WriteWeights(x[0], x[1]), [usage, gates], eps: 1e-3f, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void AfterOneFullWriteIntoFreeMemory_TheUnwrittenCellsTieInFloat32()
    {
        // Why the golden-vector tests relabel cells: a first allocated write leaves ε·g on cell 1 and ε²·g ≈ 1e-13
        // on cell 2; against a usage of ~1e-2 from content writes, float32 drops the ε² residue (float64 keeps
        // it), so cells 2..N tie here and the next allocation picks cell 2, where float64 picks cell 3.
        var content = Tensor.Full([1, 1, 5], 0.0125f);
        var a = Allocation.WriteWeights(Tensor.Zeros(1, 5), new Tensor([0.2f], 1, 1));
        var write = (0.2f * a + 0.8f * content).Reshape(1, 1, 5);
        var usage = Usage.AfterWrite(Tensor.Zeros(1, 5), write).ToArray();
        Assert.True(usage[1] > usage[2]);
        Assert.Equal(usage[2], usage[3]);
        Assert.Equal(usage[3], usage[4]);
        Assert.True(Allocation.Weights(new Tensor(usage, 1, 5)).Values[2] > 0.98f);
    }
}
