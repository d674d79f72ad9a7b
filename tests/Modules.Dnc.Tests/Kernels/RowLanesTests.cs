using Modules.Dnc.Kernels;
using Modules.Tensors;
using Modules.Tensors.Tests;
using Xunit.Abstractions;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>
/// The link kernels' row functions at every width they run (<see cref="Lanes1"/> on the scalar path, <see cref="Lanes256"/>
/// on the AVX2 and AVX-512 paths; a path the machine lacks is skipped with the reason in the output, and each test names
/// its path): the fused rows are bit-identical to the single-purpose rows, the link row's backward with its diagonal
/// masked in every lane position matches a hand-computed reference, and a whole item on each vector path (forced with
/// <see cref="Simd.Force"/>) matches the scalar path, exactly for every value computed lane by lane and within 1e-6 for
/// the values that sum a row (whose order follows the width).
/// </summary>
public sealed class RowLanesTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> RowShapes => LinkUpdateAndReadTests.RowShapes;

    /// <summary>Row lengths below, at and around one and several vectors.</summary>
    public static TheoryData<int> Lengths => new() { 1, 5, 8, 13, 16, 19, 40, 128 };

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void Scalar_fused_forward_row_is_bit_identical_to_the_link_row_then_the_read_rows(int reads, int n) =>
        Named(SimdPath.Scalar, () => LinkUpdateAndReadTests.ForwardRow_IsBitIdenticalToTheLinkRowThenTheReadRows<Lanes1>(reads, n));

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(RowShapes))]
    public void Avx2_fused_forward_row_is_bit_identical_to_the_link_row_then_the_read_rows(int reads, int n) =>
        Named(SimdPath.Avx2, () => LinkUpdateAndReadTests.ForwardRow_IsBitIdenticalToTheLinkRowThenTheReadRows<Lanes256>(reads, n));


    [Theory]
    [MemberData(nameof(RowShapes))]
    public void Scalar_all_heads_backward_row_is_bit_identical_to_head_by_head_rows(int reads, int n) =>
        Named(SimdPath.Scalar, () => LinkUpdateAndReadTests.ReadsBackwardRow_IsBitIdenticalToHeadByHeadRows<Lanes1>(reads, n));

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(RowShapes))]
    public void Avx2_all_heads_backward_row_is_bit_identical_to_head_by_head_rows(int reads, int n) =>
        Named(SimdPath.Avx2, () => LinkUpdateAndReadTests.ReadsBackwardRow_IsBitIdenticalToHeadByHeadRows<Lanes256>(reads, n));


    [Theory]
    [MemberData(nameof(Lengths))]
    public void Scalar_link_backward_row_matches_the_hand_computed_row(int n) => Named(SimdPath.Scalar, () => LinkBackwardRow<Lanes1>(n));

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(Lengths))]
    public void Avx2_link_backward_row_matches_the_hand_computed_row(int n) => Named(SimdPath.Avx2, () => LinkBackwardRow<Lanes256>(n));


    [SimdTheory(SimdPath.Avx2)]
    [InlineData(16, 4, 1)]
    [InlineData(19, 3, 2)]
    [InlineData(128, 4, 1)]
    public void Avx2_item_matches_the_scalar_path(int n, int reads, int writes) => ItemMatchesScalar(SimdPath.Avx2, n, reads, writes);

    [SimdTheory(SimdPath.Avx512)]
    [InlineData(16, 4, 1)]
    [InlineData(19, 3, 2)]
    [InlineData(128, 4, 1)]
    public void Avx512_item_matches_the_scalar_path(int n, int reads, int writes) => ItemMatchesScalar(SimdPath.Avx512, n, reads, writes);

    /// <summary>The lanes the row functions take on <paramref name="path"/>.</summary>
    private static int RowWidth(SimdPath path) => RowLanes.IsScalar(path) ? Lanes1.Count : Lanes256.Count;

    /// <summary>Runs <paramref name="check"/> after naming the path and its width in the test output.</summary>
    private void Named(SimdPath path, Action check)
    {
        output.WriteLine($"path {path}: rows in {RowWidth(path)} float lanes (widest path on this machine: {Simd.Widest})");
        check();
    }

    /// <summary>
    /// Property: for every row index (so the masked diagonal sits in every lane of a vector and in the scalar tail), the
    /// link row's backward writes dl_j = g_j·((1 − w_i) − w_j) and dl_i = 0 over garbage storage, adds −g_j·L_j to dw_j and
    /// g_j·w_i to dp_j exactly as those float operations give (nothing at j = i), and adds Σ_{j≠i} g_j·(p_j − L_j) to dw_i
    /// within the float summation bound N·ε·Σ|terms| of the double-precision sum (the one value whose summation order
    /// follows the vector width).
    /// </summary>
    private static void LinkBackwardRow<T>(int n) where T : struct, ILanes<T>
    {
        var rng = new Generator((ulong)(31 * n + T.Count));
        float[] Random(int length, float low, float high) => Tensor.Uniform(rng, [length], low, high).ToArray();
        var p = Random(n, 0, 1f / n);
        var w = Random(n, 0, 1f / n);
        var g = Random(n, -1, 1);
        for (int i = 0; i < n; i++)
        {
            var l = Random(n, 0, 1);
            l[i] = 0f;                                   // the previous link's diagonal, as the update leaves it
            var dpStart = Random(n, -1, 1);
            var dwStart = Random(n, -1, 1);
            var (dl, dp, dw) = (Random(n, -1e3f, 1e3f), dpStart.ToArray(), dwStart.ToArray());
            LinkUpdate.BackwardRow<T>(i, g, l, p, w, dl, dp, dw);

            double rowSum = 0, magnitude = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                Assert.Equal(g[j] * ((1f - w[i]) - w[j]), dl[j]);
                Assert.Equal(dwStart[j] - g[j] * l[j], dw[j]);
                Assert.Equal(dpStart[j] + g[j] * w[i], dp[j]);
                rowSum += (double)g[j] * p[j] - (double)g[j] * l[j];
                magnitude += Math.Abs((double)g[j] * p[j]) + Math.Abs((double)g[j] * l[j]);
            }
            Assert.Equal(0f, dl[i]);
            Assert.Equal(dpStart[i], dp[i]);
            Assert.Equal(dwStart[i] + rowSum, dw[i], (n + 1) * 6e-8 * (magnitude + Math.Abs(dwStart[i])));
        }
    }

    /// <summary>
    /// Property: one item of the fused link update and reads, forward and backward, on <paramref name="path"/> gives the
    /// scalar path's floats: bit for bit for the new link (computed lane by lane), within 1e-6 (absolute plus relative)
    /// for everything a row's dot products reach (read weights, dw, dπ, dWrites, dLink through the reads).
    /// </summary>
    private void ItemMatchesScalar(SimdPath path, int n, int reads, int writes)
    {
        output.WriteLine($"path {path}: rows in {RowWidth(path)} float lanes, against {SimdPath.Scalar}; N = {n}, R = {reads}, W = {writes}");
        var x = LinkUpdateAndReadTests.RandomInputs((ulong)(n + 10 * reads), 1, writes, reads, n);
        var rng = new Generator(5);
        var linkGrad = Tensor.Uniform(rng, [writes * n * n], -1, 1).ToArray();
        var precedenceGrad = Tensor.Uniform(rng, [writes * n], -1, 1).ToArray();
        var readGrad = Tensor.Uniform(rng, [reads * n], -1, 1).ToArray();
        float[][] Run(SimdPath on)
        {
            using var forced = Simd.Force(on);
            int modes = 2 * writes + 1;
            var (link, precedence, read) = (new float[writes * n * n], new float[writes * n], new float[reads * n]);
            LinkUpdateAndRead.ForwardItem(x[0].Values, x[1].Values, x[2].Values, x[3].Values, x[4].Values, x[5].Values, link, precedence, read, writes);
            var (dLink, dPrecedence, dWrites) = (new float[writes * n * n], new float[writes * n], new float[writes * n]);
            var (dw, dContent, dpi) = (new float[reads * n], new float[reads * n], new float[reads * modes]);
            LinkUpdateAndRead.BackwardItem(x[0].Values, x[1].Values, x[2].Values, x[3].Values, x[4].Values, x[5].Values, link, linkGrad,
                precedenceGrad, readGrad, dLink, dPrecedence, dWrites, dw, dContent, dpi, writes);
            return [link, precedence, read, dLink, dPrecedence, dWrites, dw, dContent, dpi];
        }
        var scalar = Run(SimdPath.Scalar);
        var vector = Run(path);
        KernelComparison.AssertBitIdentical(scalar[0], vector[0], $"new link on {path}");
        string[] names = ["new link", "precedence", "read weights", "dLink", "dPrecedence", "dWrites", "dw", "dContent", "dπ"];
        for (int o = 1; o < scalar.Length; o++)
            for (int e = 0; e < scalar[o].Length; e++)
                Assert.True(Math.Abs(scalar[o][e] - vector[o][e]) <= 1e-6 * (1 + Math.Abs(scalar[o][e])),
                    $"{names[o]}[{e}] on {path}: {vector[o][e]}, scalar path {scalar[o][e]}");
    }
}
