using Modules.Dnc.Sparse;
using Modules.Tensors;
using static Modules.Dnc.Tests.Sparse.SparseTestModels;

namespace Modules.Dnc.Tests.Sparse;

public class SdncTests
{
    private static readonly object Token = new();

    internal static SparseLinkState EmptyLinks(int batch, int n, int kl) =>
        new SparseMemoryAccess(n, 2, 1, 1, kl).InitialLinks(batch);

    /// <summary>The dense [N, N] link of batch entry 0 rebuilt from the forward (row) lists, or from the backward (column) lists.</summary>
    internal static float[] Dense(SparseLinkState links, int n, int kl, bool fromColumns)
    {
        var dense = new float[n * n];
        var indices = (fromColumns ? links.BackwardIndices : links.ForwardIndices).Values;
        var values = (fromColumns ? links.BackwardValues : links.ForwardValues).Values;
        for (int owner = 0; owner < n; owner++)
            for (int e = 0; e < kl; e++)
            {
                int other = (int)indices[owner * kl + e];
                if (other < 0) continue;
                if (fromColumns) dense[other * n + owner] = values[owner * kl + e];
                else dense[owner * n + other] = values[owner * kl + e];
            }
        return dense;
    }

    /// <summary>The dense precedence [N] of batch entry 0.</summary>
    internal static float[] DensePrecedence(SparseLinkState links, int n, int kl)
    {
        var precedence = new float[n];
        for (int e = 0; e < kl; e++)
            if (links.PrecedenceIndices.Values[e] >= 0) precedence[(int)links.PrecedenceIndices.Values[e]] = links.PrecedenceValues.Values[e];
        return precedence;
    }

    [Fact]
    public void ParameterPaths_AddTheReadModeHead()
    {
        var sdnc = new Sdnc(SmallSdnc());
        sdnc.Step(Tensor.Zeros(2, 3), sdnc.InitialState(2));
        string[] heads = ["read_keys", "read_strengths", "write_vector", "erase_vector", "write_gate", "interpolation_gate", "read_mode"];
        Assert.Equal(
            new[] { "sdnc/lstm/w_gates", "sdnc/lstm/b_gates" }
                .Concat(heads.SelectMany(h => new[] { $"sdnc/memory_access/{h}/w", $"sdnc/memory_access/{h}/b" }))
                .Concat(["sdnc/output_linear/w", "sdnc/output_linear/b"]),
            sdnc.ParameterPaths());
        Assert.Equal([4, 2 * 3], Parameter(sdnc, "sdnc/memory_access/read_mode/w").ShapeArray());
        Assert.Equal("links/forward_indices", SdncState.Paths[8]);
    }

    [Fact]
    public void LinkUpdate_HandComputed()
    {
        const int n = 4, kl = 2;
        var links = EmptyLinks(1, n, kl);
        new float[] { 2, -1 }.CopyTo(links.PrecedenceIndices.Data);
        new float[] { 0.5f, 0 }.CopyTo(links.PrecedenceValues.Data);

        // Rows 1 (w 0.6) and 3 (w 0.2) written after row 2 (p 0.5): L[1, 2] = 0.3, L[3, 2] = 0.1.
        links = SparseLinkUpdate.Run(links, [1, 3], new Tensor([0.6f, 0.2f], 1, 2), Token, "test").Links;
        float[] expected = new float[n * n];
        expected[1 * n + 2] = 0.3f;
        expected[3 * n + 2] = 0.1f;
        FiniteDifference.AssertClose(expected, Dense(links, n, kl, false), 0, 1e-7, "rows");
        FiniteDifference.AssertClose(expected, Dense(links, n, kl, true), 0, 1e-7, "columns");
        // p = (1 − 0.8)·0.5 at row 2, 0.6 at row 1, 0.2 at row 3: the two largest are kept.
        Assert.Equal([1f, 3f], links.PrecedenceIndices.ToArray());
        FiniteDifference.AssertClose([0.6f, 0.2f], links.PrecedenceValues.Values, 0, 1e-7, "precedence");

        // Row 2 (w 0.5): links into row 2 decay by 0.5, row 2 links to the precedence's rows 1 and 3.
        links = SparseLinkUpdate.Run(links, [2], new Tensor([0.5f], 1, 1), Token, "test").Links;
        expected[1 * n + 2] = 0.15f;
        expected[3 * n + 2] = 0.05f;
        expected[2 * n + 1] = 0.3f;
        expected[2 * n + 3] = 0.1f;
        FiniteDifference.AssertClose(expected, Dense(links, n, kl, false), 0, 1e-7, "rows");
        FiniteDifference.AssertClose(expected, Dense(links, n, kl, true), 0, 1e-7, "columns");
        Assert.Equal([2f, 1f], links.PrecedenceIndices.ToArray());
        FiniteDifference.AssertClose([0.5f, 0.3f], links.PrecedenceValues.Values, 0, 1e-7, "precedence");
    }

    [Fact]
    public void LinkUpdate_WithRoomForEveryEntry_EqualsTheDenseLinkage()
    {
        const int n = 5, kl = 5, steps = 6;
        var links = EmptyLinks(1, n, kl);
        var denseLink = Tensor.Zeros(1, 1, n, n);
        var densePrecedence = Tensor.Zeros(1, 1, n);
        var rng = new Generator(3);
        for (int t = 0; t < steps; t++)
        {
            // Two distinct rows with weights summing to at most 1.
            int a = rng.NextInt(0, n), b = (a + rng.NextInt(1, n)) % n;
            float wa = 0.7f * rng.NextFloat(), wb = (1f - wa) * rng.NextFloat();
            var write = new float[n];
            write[a] = wa;
            write[b] = wb;
            var writeWeights = new Tensor(write, 1, 1, n);
            links = SparseLinkUpdate.Run(links, [a, b], new Tensor([wa, wb], 1, 2), Token, "test").Links;
            denseLink = Linkage.Link(denseLink, densePrecedence, writeWeights);
            densePrecedence = Linkage.Precedence(densePrecedence, writeWeights);

            FiniteDifference.AssertClose(denseLink.ToArray(), Dense(links, n, kl, false), 1e-5, 1e-6, $"step {t} rows");
            FiniteDifference.AssertClose(denseLink.ToArray(), Dense(links, n, kl, true), 1e-5, 1e-6, $"step {t} columns");
            FiniteDifference.AssertClose(densePrecedence.ToArray(), DensePrecedence(links, n, kl), 1e-5, 1e-6, $"step {t} precedence");
        }
    }

    [Fact]
    public void DirectionalReads_WithRoomForEveryRow_EqualTheDenseOnes()
    {
        const int n = 5, kl = 4, reads = 2, slots = 3;
        var links = EmptyLinks(1, n, kl);
        RowStore forward = null!, backward = null!;
        var rng = new Generator(7);
        for (int t = 0; t < 5; t++)
        {
            int a = rng.NextInt(0, n), b = (a + rng.NextInt(1, n)) % n;
            float wa = 0.6f * rng.NextFloat() + 0.1f;
            (links, forward, backward) = SparseLinkUpdate.Run(links, [a, b], new Tensor([wa, (1f - wa) * 0.5f], 1, 2), Token, "test");
        }
        var previousIndices = new Tensor([0, 2, 4, 1, 3, -1], 1, reads, slots);
        var previousWeights = new Tensor([0.5f, 0.3f, 0.2f, 0.6f, 0.4f, 0f], 1, reads, slots);
        var rows = new int[reads * 3 * n];
        var matrices = SparseLinkRead.Candidates(links, previousIndices, previousWeights, rows, n, forward, backward);

        var denseLink = new Tensor(Dense(links, n, kl, false), 1, 1, n, n);
        var denseWeights = new float[reads * n];
        for (int r = 0; r < reads; r++)
            for (int s = 0; s < slots; s++)
                if (previousIndices.Values[r * slots + s] >= 0) denseWeights[r * n + (int)previousIndices.Values[r * slots + s]] += previousWeights.Values[r * slots + s];
        var dense = new Tensor(denseWeights, 1, reads, n);
        for (int direction = 0; direction < 2; direction++)
        {
            var expected = Linkage.DirectionalReadWeights(denseLink, dense, forward: direction == 0).ToArray(); // [1, R, 1, N]
            var sparse = Tensor.MatMul(matrices[direction], previousWeights.Unsqueeze(-1)).ToArray();           // [1, R, K, 1]
            var scattered = new float[reads * n];
            for (int r = 0; r < reads; r++)
                for (int k = 0; k < n; k++)
                {
                    int row = rows[r * 3 * n + (1 + direction) * n + k];
                    if (row >= 0) scattered[r * n + row] += sparse[r * n + k];
                    else Assert.Equal(0f, sparse[r * n + k]);
                }
            FiniteDifference.AssertClose(expected, scattered, 1e-5, 1e-6, direction == 0 ? "forward" : "backward");
            Assert.Contains(expected, v => v > 0f);
        }
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_ThroughThreeSteps()
    {
        // K = N and K_L = N − 1: every row is a content and a link candidate and no link entry is cut, so no choice of rows
        // can flip under the perturbations; the gradient flows through memory, link and precedence values alike.
        var sdnc = new Sdnc(SmallSdnc(k: 6, links: 5));
        sdnc.Seed(31);
        var inputs = Tensor.Normal(new Generator(32), [3, 2, 3]);
        Unroll(sdnc, inputs);
        var parameters = sdnc.Parameters().ToArray();
        FiniteDifference.Check(x => Unroll(sdnc, x[0]), [inputs, .. parameters], eps: 1e-3f, rtol: 2e-2, atol: 2e-3);
        Assert.Contains(Parameter(sdnc, "sdnc/memory_access/read_mode/w").Grad!.ToArray(), g => g != 0f);
        Assert.Contains(Parameter(sdnc, "sdnc/memory_access/write_vector/w").Grad!.ToArray(), g => g != 0f);
    }

    [Fact]
    public void LinkGradients_ReachTheWriteWeights()
    {
        // A loss on the forward read through the link differentiates the write weights that built the link.
        const int n = 4, kl = 3;
        var links = EmptyLinks(1, n, kl);
        var first = new Tensor([0.8f], 1, 1).RequireGrad();
        var second = new Tensor([0.5f], 1, 1).RequireGrad();
        Tensor Forward(Tensor w1, Tensor w2)
        {
            var fresh = EmptyLinks(1, n, kl);
            var token = new object();
            var (afterFirst, _, _) = SparseLinkUpdate.Run(fresh, [1], w1, token, "test");
            var (afterSecond, forward, backward) = SparseLinkUpdate.Run(afterFirst, [2], w2, token, "test");
            var rows = new int[3];
            var matrices = SparseLinkRead.Candidates(afterSecond, new Tensor([1f], 1, 1, 1), new Tensor([1f], 1, 1, 1), rows, 1, forward, backward);
            Assert.Equal(2, rows[1]); // forward from row 1 leads to row 2, written after it
            return matrices[0].Sum();
        }
        FiniteDifference.Check(x => Forward(x[0], x[1]), [first, second], eps: 1e-3f);
        // L[2, 1] = w2·p1 = 0.5·0.8.
        using (Tensor.NoGrad()) Assert.Equal(0.4f, Forward(first, second).Item(), 6);
    }

    [Fact]
    public void Steps_BuildLinksBetweenConsecutiveWrites_AndReadAlongThem()
    {
        var sdnc = new Sdnc(SmallSdnc(memory: 10, reads: 1, k: 1, links: 2));
        sdnc.Seed(4);
        MemoryTrace? trace = null;
        sdnc.Trace = t => trace = t;
        var state = sdnc.InitialState(1);
        for (int t = 0; t < 5; t++) (_, state) = sdnc.Step(Tensor.Normal(new Generator((ulong)t), [1, 3]), state);
        Assert.Contains(state.Links.ForwardIndices.ToArray(), i => i >= 0);
        Assert.Contains(state.Links.BackwardIndices.ToArray(), i => i >= 0);
        // Each head's weights: content K sums to π_content, the link reads add at most π_forward + π_backward.
        Assert.Equal([1, 1, 3], state.Access.ReadWeights.ShapeArray());
        float total = trace!.ReadWeights.Values.ToArray().Sum();
        Assert.InRange(total, 0f, 1f + 1e-5f);
        Assert.Throws<InvalidOperationException>(() => sdnc.Access.Step(Tensor.Zeros(1, 4), state.Access));
    }

    [Fact]
    public void Backward_VisitsTheTouchedRowsAndLinkLists_IndependentlyOfTheMemorySize()
    {
        (long Rows, long Floats) Measure(int n)
        {
            var sdnc = new Sdnc(SmallSdnc(memory: n, word: 4, k: 2, reads: 2, links: 3));
            sdnc.Seed(5);
            var loss = Unroll(sdnc, Tensor.Normal(new Generator(6), [4, 2, 3])).Sum();
            SparseGradientStatistics.Reset();
            loss.Backward();
            return (SparseGradientStatistics.RowsVisited, SparseGradientStatistics.FloatsAllocated);
        }

        var small = Measure(64);
        Assert.Equal(small, Measure(16_384));
        Assert.True(small.Rows > 0);
    }

    [Fact]
    public void BadOptions_AreNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sdnc(SmallSdnc() with { LinkSparsity = 0 }));
        Assert.Contains("SdncOptions.LinkSparsity", ex.Message);
        var k = Assert.Throws<ArgumentException>(() => new Sdnc(SmallSdnc() with { SparseReads = 0 }));
        Assert.Contains("SdncOptions.SparseReads", k.Message);
    }
}
