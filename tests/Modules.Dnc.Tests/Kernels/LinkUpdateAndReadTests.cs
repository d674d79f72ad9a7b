using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class LinkUpdateAndReadTests
{
    /// <summary>Previous link, precedence, write weights, previous read weights, content weights and read modes.</summary>
    internal static Tensor[] RandomInputs(ulong seed, int b, int w, int r, int n)
    {
        var (link, precedence, writes) = LinkUpdateTests.RandomState(seed, b, w, n);
        var x = ReadWeightsMixTests.RandomInputs(seed + 1, b, w, r, n);
        return [link, precedence, writes, x[1], x[2], x[3]];
    }

    private static (Tensor Link, Tensor Precedence, Tensor ReadWeights) Unfused(Tensor[] x)
    {
        var link = UnfusedLinkage.Link(x[0], x[1], x[2]);
        return (link, UnfusedLinkage.Precedence(x[1], x[2]), UnfusedLinkage.ReadWeights(link, x[3], x[4], x[5]));
    }

    private static (Tensor Link, Tensor Precedence, Tensor ReadWeights) Fused(Tensor[] x) => LinkUpdateAndRead.Apply(x[0], x[1], x[2], x[3], x[4], x[5]);

    [Theory]
    [InlineData(2, 2, 3, 5)]
    [InlineData(2, 1, 4, 16)]
    [InlineData(1, 3, 2, 19)]
    public void Forward_EqualsUnfusedComposition(int b, int w, int r, int n)
    {
        var x = RandomInputs(41, b, w, r, n);
        var fused = Fused(x);
        var reference = Unfused(x);
        Assert.Equal(reference.Link.ToArray(), fused.Link.ToArray());
        Assert.Equal(reference.Precedence.ToArray(), fused.Precedence.ToArray());
        Assert.Equal([b, r, n], fused.ReadWeights.ShapeArray());
        FiniteDifference.AssertClose(reference.ReadWeights.ToArray(), fused.ReadWeights.Values, 1e-5, 1e-7, "read weights");
    }

    [Fact]
    public void Gradients_OfAllOutputs_MatchFiniteDifferences()
    {
        int b = 2, w = 2, r = 3, n = 5;
        FiniteDifference.Check(x =>
        {
            var (l, p, read) = Fused(x);
            return Tensor.Concat(-1, l.Reshape(b, w * n * n), p.Reshape(b, w * n), read.Reshape(b, r * n));
        }, RandomInputs(42, b, w, r, n));
    }

    [Fact]
    public void Gradients_OfTheReadWeightsAlone_MatchFiniteDifferences()
    {
        FiniteDifference.Check(x => Fused(x).ReadWeights, RandomInputs(43, 2, 2, 3, 5));
    }

    [Fact]
    public void Gradients_OfTheLinkageAlone_MatchFiniteDifferences()
    {
        // The reads' output gradient is absent: only the next step's link and precedence gradients flow back.
        FiniteDifference.Check(x =>
        {
            var (l, p, _) = Fused(x);
            return Tensor.Concat(-1, l.Reshape(2, -1), p.Reshape(2, -1));
        }, RandomInputs(44, 2, 2, 3, 5));
    }

    [Fact]
    public void Gradients_OverTwoChainedSteps_MatchFiniteDifferences()
    {
        // As in the DNC: the second step reads along a link whose gradient also comes back through the first step's reads.
        var first = RandomInputs(45, 2, 2, 3, 5);
        var second = RandomInputs(46, 2, 2, 3, 5);
        FiniteDifference.Check(x =>
        {
            var (l1, p1, read1) = LinkUpdateAndRead.Apply(x[0], x[1], x[2], x[3], x[4], x[5]);
            var (l2, p2, read2) = LinkUpdateAndRead.Apply(l1, p1, x[6], read1, x[7], x[8]);
            return Tensor.Concat(-1, read1.Reshape(2, -1), read2.Reshape(2, -1), l2.Reshape(2, -1), p2.Reshape(2, -1));
        }, [.. first, second[2], second[4], second[5]]);
    }

    [Theory]
    [InlineData(2, 2, 3, 16)]
    [InlineData(3, 1, 4, 13)]
    public void Gradients_EqualTheUnfusedComposition_OverThreeSteps(int b, int w, int r, int n)
    {
        var x = RandomInputs(47, b, w, r, n);
        var extra = Enumerable.Range(0, 2).Select(t => RandomInputs(48 + (ulong)t, b, w, r, n)).ToArray();
        var probe = Tensor.Uniform(new Generator(5), [b, r, n], -1, 1);
        var probeLink = Tensor.Uniform(new Generator(6), [b, w, n, n], -1, 1);
        Tensor[] Grads(Func<Tensor[], (Tensor Link, Tensor Precedence, Tensor ReadWeights)> step)
        {
            var inputs = x.Concat(extra.SelectMany(e => new[] { e[2], e[4], e[5] })).Select(t => t.Clone().RequireGrad()).ToArray();
            var state = step(inputs[..6]);
            var loss = (state.ReadWeights * probe).Sum();
            for (int t = 0; t < 2; t++)
            {
                state = step([state.Link, state.Precedence, inputs[6 + 3 * t], state.ReadWeights, inputs[7 + 3 * t], inputs[8 + 3 * t]]);
                loss += (state.ReadWeights * probe).Sum();
            }
            (loss + (state.Link * probeLink).Sum()).Backward();
            return [.. inputs.Select(t => t.Grad!)];
        }
        var fused = Grads(Fused);
        var reference = Grads(Unfused);
        for (int i = 0; i < fused.Length; i++) FiniteDifference.AssertClose(reference[i].ToArray(), fused[i].Values, 1e-4, 1e-6, $"input {i}");
    }

    [Fact]
    public void Gradients_WhenOnlyOneInputNeedsThem_EqualThoseOfTheFullComputation()
    {
        var x = RandomInputs(50, 2, 2, 3, 9);
        var probes = new[] { x[0], x[1], x[3] }.Select((t, i) => Tensor.Uniform(new Generator(60 + (ulong)i), t.ShapeArray(), -1, 1)).ToArray();
        Tensor?[] Grads(int? only)
        {
            var inputs = x.Select((t, i) => t.Clone().RequireGrad(only is null || only == i)).ToArray();
            var (l, p, read) = Fused(inputs);
            ((l * probes[0]).Sum() + (p * probes[1]).Sum() + (read * probes[2]).Sum()).Backward();
            return [.. inputs.Select(t => t.Grad)];
        }
        var all = Grads(null);
        for (int i = 0; i < x.Length; i++) Assert.Equal(all[i]!.ToArray(), Grads(i)[i]!.ToArray());
    }

    [Fact]
    public void WrongShapes_AreRejected_NamingTheOp()
    {
        var x = RandomInputs(49, 2, 2, 3, 5);
        var e = Assert.Throws<ShapeMismatchException>(() => LinkUpdateAndRead.Apply(x[0], x[1], Tensor.Zeros(2, 2, 4), x[3], x[4], x[5]));
        Assert.Contains("LinkUpdateAndRead", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => LinkUpdateAndRead.Apply(x[0], x[1], x[2], x[3], x[4], Tensor.Zeros(2, 3, 3)));
        Assert.Contains("LinkUpdateAndRead", e.Message);
        Assert.Contains("read modes", e.Message);
    }
    /// <summary>Head counts (below, at and above a multiple of four) and row lengths (with and without a vector tail) for the row kernels.</summary>
    public static TheoryData<int, int> RowShapes => new() { { 1, 5 }, { 3, 16 }, { 4, 16 }, { 4, 19 }, { 4, 40 }, { 5, 128 }, { 8, 13 }, { 9, 40 } };

    /// <summary>
    /// Property: the all-heads row backward (heads four at a time in one pass, then one at a time) writes exactly the bits
    /// that ReadWeightsMix.BackwardRow head by head writes, starting from a copy of the next step's gradient (or zeros),
    /// for any head count, row length (with and without a vector tail), row index and set of wanted gradients.
    /// </summary>
    /// <remarks>Run on every instruction-set path by <see cref="RowLanesTests"/>.</remarks>
    internal static void ReadsBackwardRow_IsBitIdenticalToHeadByHeadRows<T>(int reads, int n) where T : struct, ILanes<T>
    {
        var rng = new Generator((ulong)(reads * 1000 + n));
        float[] Random(int length) => Tensor.Uniform(rng, [length], -1, 1).ToArray();
        int writes = 2, modes = 2 * writes + 1;
        var row = Random(n);
        var w = Random(reads * n);
        var g = Random(reads * n);
        var pi = Random(reads * modes);
        for (int trial = 0; trial < 8; trial++)
        {
            int k = trial % writes, i = (trial * 7) % n;
            bool wantReads = trial % 2 == 0, wantModes = trial % 4 < 2, withNext = trial % 3 != 0;
            var next = withNext ? Random(n) : [];
            var dwStart = Random(reads * n);
            var dpiStart = Random(reads * modes);

            var (dwRef, dpiRef, totalRef) = (dwStart.ToArray(), dpiStart.ToArray(), withNext ? next.ToArray() : new float[n]);
            ReadWeightsMix.BackwardRow<T>(k, i, row, w, g, pi, wantReads ? dwRef : default, wantModes ? dpiRef : default, totalRef, writes);

            var (dw, dpi, total) = (dwStart.ToArray(), dpiStart.ToArray(), Random(n));   // total starts as garbage: it is written, not added to
            LinkUpdateAndRead.ReadsBackwardRow<T>(k, i, row, w, g, pi, wantReads ? dw : default, wantModes ? dpi : default, next, total, writes);

            Assert.Equal(totalRef, total);
            Assert.Equal(dwRef, dw);
            Assert.Equal(dpiRef, dpi);
        }
    }
    /// <summary>
    /// Property: the fused forward row (the new link row and the first four heads in one pass, then the other heads) writes
    /// exactly the bits of LinkUpdate.ForwardRow followed by ReadWeightsMix.ForwardRow, for any head count, row length
    /// (with and without a vector tail) and row index (the zero diagonal in every position of a vector).
    /// </summary>
    /// <remarks>Run on every instruction-set path by <see cref="RowLanesTests"/>.</remarks>
    internal static void ForwardRow_IsBitIdenticalToTheLinkRowThenTheReadRows<T>(int reads, int n) where T : struct, ILanes<T>
    {
        var rng = new Generator((ulong)(reads * 1000 + n + 7));
        float[] Random(int length, float low = -1, float high = 1) => Tensor.Uniform(rng, [length], low, high).ToArray();
        int writes = 2, modes = 2 * writes + 1;
        var oldRow = Random(n, 0, 1);
        var p = Random(n, 0, 1f / n);
        var writeWeights = Random(n, 0, 1f / n);
        var w = Random(reads * n, 0, 1);
        var pi = Random(reads * modes, 0, 1);
        for (int i = 0; i < n; i++)
        {
            int k = i % writes;
            var outputStart = Random(reads * n);
            var (rowRef, outRef) = (new float[n], outputStart.ToArray());
            LinkUpdate.ForwardRow<T>(i, oldRow, p, writeWeights, rowRef);
            ReadWeightsMix.ForwardRow<T>(k, i, rowRef, w, pi, outRef, writes);

            var (row, output) = (Random(n), outputStart.ToArray());   // the row starts as garbage: it is written
            LinkUpdateAndRead.ForwardRow<T>(k, i, oldRow, p, writeWeights, row, w, pi, output, writes);

            Assert.Equal(rowRef, row);
            Assert.Equal(outRef, output);
        }
    }
}
