using Modules.Dnc.Sparse;
using Modules.Tensors;
using static Modules.Dnc.Tests.Sparse.SdncTests;

namespace Modules.Dnc.Tests.Sparse;

/// <summary>The sparse link once its lists are full: what truncation keeps, and that every kept entry still follows the DNC's update.</summary>
public class SparseLinkTruncationTests
{
    private static readonly object Token = new();

    [Fact]
    public void TruncatedEntry_LeavesBothStores_AndTheKeptOnesDecay()
    {
        const int n = 4, kl = 1;
        var links = EmptyLinks(1, n, kl);

        // Row 3 (w 1): p = 1 at row 3.
        links = SparseLinkUpdate.Run(links, [3], new Tensor([1f], 1, 1), Token, "test").Links;
        // Rows 1 (w 0.6) and 2 (w 0.4) after row 3: L[1, 3] = 0.6 and L[2, 3] = 0.4. Column 3 has room for one entry, so
        // L[2, 3] is cut, from row 2's list as well. p: 0 at row 3, 0.6 at row 1, 0.4 at row 2; row 1 is kept.
        links = SparseLinkUpdate.Run(links, [1, 2], new Tensor([0.6f, 0.4f], 1, 2), Token, "test").Links;
        var expected = new float[n * n];
        expected[1 * n + 3] = 0.6f;
        AssertLink(expected, links, n, kl, "after rows 1 and 2");
        Assert.Equal([1f], links.PrecedenceIndices.ToArray());

        // Rows 0 (w 0.35) and 3 (w 0.15): L[1, 3] decays to (1 − 0.15)·0.6 = 0.51; L[0, 1] = 0.35·0.6 = 0.21 and
        // L[3, 1] = 0.15·0.6 = 0.09 compete for column 1, which keeps the larger.
        links = SparseLinkUpdate.Run(links, [0, 3], new Tensor([0.35f, 0.15f], 1, 2), Token, "test").Links;
        expected[1 * n + 3] = 0.51f;
        expected[0 * n + 1] = 0.21f;
        AssertLink(expected, links, n, kl, "after rows 0 and 3");
        // p: (1 − 0.5)·0.6 = 0.3 at row 1, 0.35 at row 0, 0.15 at row 3.
        Assert.Equal([0f], links.PrecedenceIndices.ToArray());
        FiniteDifference.AssertClose([0.35f], links.PrecedenceValues.Values, 0, 1e-7, "precedence");

        // Row 1 (w 0.5): its entry L[1, 3] decays to (1 − 0.5)·0.51 = 0.255 and beats the new L[1, 0] = 0.5·0.35 = 0.175,
        // which is cut; L[0, 1] decays to (1 − 0.5)·0.21 = 0.105.
        links = SparseLinkUpdate.Run(links, [1], new Tensor([0.5f], 1, 1), Token, "test").Links;
        expected[1 * n + 3] = 0.255f;
        expected[0 * n + 1] = 0.105f;
        AssertLink(expected, links, n, kl, "after row 1");
    }

    [Fact]
    public void FullLists_FollowTheDenseLinkageOnTheKeptEntries_OverManySteps()
    {
        // Property: each step, every entry the sparse link keeps equals the dense update L ← (1 − w_i − w_j)·L + w_i·p_j
        // applied to the previous sparse link and precedence (entries it does not keep count as 0); the forward and
        // backward stores keep the same entries; an entry the dense update makes positive is missing only when its row
        // or its column already keeps K_L entries at least as large; and the precedence keeps its K_L largest entries.
        const int n = 8, kl = 2, steps = 60;
        var links = EmptyLinks(1, n, kl);
        var rng = new Generator(17);
        int cut = 0;
        for (int t = 0; t < steps; t++)
        {
            var rows = Enumerable.Range(0, n).OrderBy(_ => rng.NextFloat()).Take(1 + rng.NextInt(0, 3)).ToArray();
            var weights = new float[rows.Length];
            float left = 1f;
            for (int s = 0; s < rows.Length; s++) left -= weights[s] = left * (0.1f + 0.6f * rng.NextFloat());
            var write = new float[n];
            for (int s = 0; s < rows.Length; s++) write[rows[s]] = weights[s];

            var previousLink = new Tensor(Dense(links, n, kl, false), 1, 1, n, n);
            var previousPrecedence = new Tensor(DensePrecedence(links, n, kl), 1, 1, n);
            var expected = Linkage.Link(previousLink, previousPrecedence, new Tensor(write, 1, 1, n)).ToArray();
            var expectedPrecedence = Linkage.Precedence(previousPrecedence, new Tensor(write, 1, 1, n)).ToArray();
            links = SparseLinkUpdate.Run(links, rows, new Tensor(weights, 1, rows.Length), Token, "test").Links;

            var forward = Dense(links, n, kl, false);
            var backward = Dense(links, n, kl, true);
            for (int i = 0; i < n * n; i++)
            {
                if (forward[i] != 0f) FiniteDifference.AssertClose([expected[i]], [forward[i]], 1e-5, 1e-7, $"step {t} rows L[{i / n}, {i % n}]");
                if (backward[i] != 0f) FiniteDifference.AssertClose([expected[i]], [backward[i]], 1e-5, 1e-7, $"step {t} columns L[{i / n}, {i % n}]");
                Assert.True((forward[i] != 0f) == (backward[i] != 0f), $"step {t}: L[{i / n}, {i % n}] kept by one store only");
                if (forward[i] == 0f && expected[i] > 0f)
                {
                    cut++;
                    int larger(Func<int, int> at) => Enumerable.Range(0, n).Count(o => forward[at(o)] >= expected[i] * (1 - 1e-5f));
                    Assert.True(larger(o => i / n * n + o) >= kl || larger(o => o * n + i % n) >= kl,
                        $"step {t}: L[{i / n}, {i % n}] = {expected[i]} was cut though its row and column have room");
                }
            }
            var precedence = DensePrecedence(links, n, kl);
            var ranked = expectedPrecedence.Select((v, row) => (v, row)).OrderByDescending(e => e.v).ThenBy(e => e.row).Take(kl);
            foreach (var (v, row) in ranked.Where(e => e.v > 0f))
                FiniteDifference.AssertClose([v], [precedence[row]], 1e-5, 1e-7, $"step {t} precedence {row}");
            Assert.Equal(Math.Min(kl, expectedPrecedence.Count(v => v > 0f)), precedence.Count(v => v != 0f));
        }
        Assert.True(cut > 20, $"only {cut} entries were cut: the lists never filled");
    }

    [Fact]
    public void Gradients_ThroughTruncatedLists_MatchFiniteDifferences()
    {
        // The four steps of TruncatedEntry_LeavesBothStores_AndTheKeptOnesDecay, whose competing entries differ by at
        // least 0.08, so no choice flips under the probe; the loss weighs every stored value of both stores differently.
        const int n = 4, kl = 1;
        int[][] rows = [[3], [1, 2], [0, 3], [1]];
        Tensor[] weights = [new Tensor([1f], 1, 1), new Tensor([0.6f, 0.4f], 1, 2), new Tensor([0.35f, 0.15f], 1, 2), new Tensor([0.5f], 1, 1)];
        var coefficients = new Tensor([1f, -2f, 3f, 0.5f], 1, n, kl);
        Tensor Loss(Tensor[] w)
        {
            var links = EmptyLinks(1, n, kl);
            var token = new object();
            RowStore forward = null!, backward = null!;
            for (int t = 0; t < rows.Length; t++) (links, forward, backward) = SparseLinkUpdate.Run(links, rows[t], w[t], token, "test");
            int[] all = [0, 1, 2, 3];
            return (forward.Gather(all, n) * coefficients).Sum() + (backward.Gather(all, n) * (coefficients + 2f)).Sum() + links.PrecedenceValues.Sum();
        }
        FiniteDifference.Check(Loss, weights.Select(w => w.RequireGrad()).ToArray(), eps: 1e-3f);
        // Every step's weights reach the loss: the kept entries carry gradient back through the decays and the merges.
        foreach (var w in weights) Assert.Contains(w.Grad!.ToArray(), g => Math.Abs(g) > 1e-3f);
    }

    private static void AssertLink(float[] expected, SparseLinkState links, int n, int kl, string what)
    {
        FiniteDifference.AssertClose(expected, Dense(links, n, kl, false), 1e-6, 1e-7, what + " rows");
        FiniteDifference.AssertClose(expected, Dense(links, n, kl, true), 1e-6, 1e-7, what + " columns");
    }
}
