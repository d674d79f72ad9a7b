using Modules.Tensors;

namespace Modules.Dnc.Tests.Addressing;

public class LinkageTests
{
    private static Tensor OneHot(int b, int w, int n, params int[] hot)
    {
        var t = Tensor.Zeros(b, w, n);
        for (int i = 0; i < hot.Length; i++) t.Data[i * n + hot[i]] = 1f;
        return t;
    }

    [Fact]
    public void RandomWrites_KeepLinkInUnitRange_ZeroDiagonal_RowAndColumnSumsAtMostOne()
    {
        int b = 2, w = 2, n = 5;
        var rng = new Generator(9);
        var link = Tensor.Zeros(b, w, n, n);
        var precedence = Tensor.Zeros(b, w, n);
        for (int t = 0; t < 8; t++)
        {
            var raw = Tensor.Uniform(rng, [b, w, n]);
            var write = raw / (raw.Sum(-1, keepDim: true) * (1f + rng.NextFloat()));   // sums to < 1
            link = Linkage.Link(link, precedence, write);
            precedence = Linkage.Precedence(precedence, write);
        }
        var l = link.Values;
        for (int m = 0; m < b * w; m++)
            for (int i = 0; i < n; i++)
            {
                float row = 0, col = 0;
                for (int j = 0; j < n; j++)
                {
                    float v = l[(m * n + i) * n + j];
                    Assert.InRange(v, 0f, 1f);
                    row += v; col += l[(m * n + j) * n + i];
                }
                Assert.Equal(0f, l[(m * n + i) * n + i]);
                Assert.True(row <= 1f + 1e-6f, $"row sum {row}");
                Assert.True(col <= 1f + 1e-6f, $"column sum {col}");
            }
    }

    [Fact]
    public void ConsecutiveOneHotWrites_GiveExactOneHotLinks_AndDirectionalReads()
    {
        int n = 4;
        var link = Tensor.Zeros(1, 1, n, n);
        var precedence = Tensor.Zeros(1, 1, n);
        foreach (int cell in new[] { 2, 0, 3 })
        {
            var write = OneHot(1, 1, n, cell);
            link = Linkage.Link(link, precedence, write);
            precedence = Linkage.Precedence(precedence, write);
        }
        var expected = new float[n * n];
        expected[0 * n + 2] = 1f;   // 0 written after 2
        expected[3 * n + 0] = 1f;   // 3 written after 0
        Assert.Equal(expected, link.ToArray());
        Assert.Equal([0f, 0f, 0f, 1f], precedence.ToArray());

        var read = OneHot(1, 1, n, 0);                                             // read head on cell 0
        Assert.Equal([0f, 0f, 0f, 1f], Linkage.DirectionalReadWeights(link, read, forward: true).ToArray());
        Assert.Equal([0f, 0f, 1f, 0f], Linkage.DirectionalReadWeights(link, read, forward: false).ToArray());
    }

    [Fact]
    public void Precedence_UnchangedByZeroWrites_EqualsWritesThatSumToOne()
    {
        var p = new Tensor([0.1f, 0.5f, 0.2f], 1, 1, 3);
        Assert.Equal(p.ToArray(), Linkage.Precedence(p, Tensor.Zeros(1, 1, 3)).ToArray());
        var w = new Tensor([0.25f, 0.25f, 0.5f], 1, 1, 3);
        Assert.Equal(w.ToArray(), Linkage.Precedence(p, w).ToArray());
    }

    [Fact]
    public void DirectionalReads_HaveShapeBatchReadsWritesCells()
    {
        var rng = new Generator(2);
        var r = Linkage.DirectionalReadWeights(Tensor.Uniform(rng, [2, 3, 4, 4]), Tensor.Uniform(rng, [2, 5, 4]), forward: true);
        Assert.Equal([2, 5, 3, 4], r.ShapeArray());
    }

    [Fact]
    public void LinkGradients_MatchFiniteDifferences()
    {
        var rng = new Generator(4);
        FiniteDifference.Check(x =>
        {
            var link = Linkage.Link(x[0], x[1], x[2]);
            return Linkage.DirectionalReadWeights(link, x[3], forward: true) + Linkage.DirectionalReadWeights(link, x[3], forward: false);
        }, [Tensor.Uniform(rng, [2, 2, 3, 3], 0, 0.3f), Tensor.Uniform(rng, [2, 2, 3], 0, 0.3f), Tensor.Uniform(rng, [2, 2, 3], 0, 0.3f), Tensor.Uniform(rng, [2, 2, 3])]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void DirectionalReads_MatchExplicitSums(int writes)
    {
        int b = 2, r = 2, n = 4;
        var rng = new Generator(12);
        var link = Tensor.Uniform(rng, [b, writes, n, n]);
        var read = Tensor.Uniform(rng, [b, r, n]);
        var f = Linkage.DirectionalReadWeights(link, read, forward: true);
        var bw = Linkage.DirectionalReadWeights(link, read, forward: false);
        for (int i0 = 0; i0 < b; i0++)
            for (int h = 0; h < r; h++)
                for (int k = 0; k < writes; k++)
                    for (int i = 0; i < n; i++)
                    {
                        float fs = 0, bs = 0;
                        for (int j = 0; j < n; j++)
                        {
                            fs += link.At(i0, k, i, j) * read.At(i0, h, j);
                            bs += link.At(i0, k, j, i) * read.At(i0, h, j);
                        }
                        Assert.Equal(fs, f.At(i0, h, k, i), 1e-5f);
                        Assert.Equal(bs, bw.At(i0, h, k, i), 1e-5f);
                    }
    }
}
