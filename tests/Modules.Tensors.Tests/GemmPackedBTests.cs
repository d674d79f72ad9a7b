using Xunit.Abstractions;

namespace Modules.Tensors.Tests;

/// <summary>
/// The packed-weight cache: products through it are the uncached products bit for bit, it packs once while the weight is
/// unchanged, and any in-place change of the weight is re-packed before it is read (never a stale panel).
/// </summary>
public class GemmPackedBTests(ITestOutputHelper output)
{
    /// <summary>m, n, k, transB: the LSTM's input gradient, B packed (m above the in-place limit), depth and column blocks crossed,
    /// and a product large enough to split over threads.</summary>
    public static readonly TheoryData<int, int, int, bool> Shapes = new()
    {
        { 16, 134, 256, true }, { 40, 70, 30, false }, { 9, 1100, 200, true }, { 64, 1100, 200, false }, { 300, 300, 300, true },
    };

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(Shapes))]
    public void Avx2_CachedProductsAreUncachedOnesBitForBit_AndChangedWeightsArePackedAgain(int m, int n, int k, bool transB) =>
        CheckNeverStale(m, n, k, transB, GemmPath.Avx2);

    [SimdTheory(SimdPath.Avx512)]
    [MemberData(nameof(Shapes))]
    public void Avx512_CachedProductsAreUncachedOnesBitForBit_AndChangedWeightsArePackedAgain(int m, int n, int k, bool transB) =>
        CheckNeverStale(m, n, k, transB, GemmPath.Avx512);

    private void CheckNeverStale(int m, int n, int k, bool transB, GemmPath path)
    {
        var g = new Generator((ulong)(m * 7919 + n * 31 + k));
        float[] a = Random(g, m * k), b = Random(g, k * n);
        var cache = new GemmPackedB();
        for (int call = 0; call < 3; call++) AssertSameAsUncached(a, b, m, n, k, transB, path, cache, $"call {call}");
        Assert.Equal(1, cache.Packs);

        // An optimizer-like change of one value anywhere (first, middle, last) must be seen by the next product.
        int packs = cache.Packs;
        foreach (int at in new[] { 0, b.Length / 2, b.Length - 1 })
        {
            b[at] += 0.25f;
            AssertSameAsUncached(a, b, m, n, k, transB, path, cache, $"after changing B[{at}]");
            Assert.Equal(++packs, cache.Packs);
        }
        // A change that only flips the sign of a zero is a different bit pattern: packed again, too.
        b[1] = 0f;
        AssertSameAsUncached(a, b, m, n, k, transB, path, cache, "B[1] = +0");
        b[1] = -0f;
        AssertSameAsUncached(a, b, m, n, k, transB, path, cache, "B[1] = -0");
        Assert.Equal(packs + 2, cache.Packs);
        output.WriteLine($"{m}x{n}x{k} transB={transB}: path {Gemm.Resolve(path, m, n, k)}, {cache.Packs} packs");
    }

    private static void AssertSameAsUncached(float[] a, float[] b, int m, int n, int k, bool transB, GemmPath path, GemmPackedB cache,
        string what)
    {
        var expected = new float[m * n];
        var actual = new float[m * n];
        Gemm.Multiply(a, b, expected, m, n, k, false, transB, false, path, Environment.ProcessorCount);
        Gemm.Multiply(a, b, actual, m, n, k, false, transB, false, path, Environment.ProcessorCount, cache);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: C[{i}] = {actual[i]} through the cache, {expected[i]} without");
    }

    [Fact]
    public void MultiplyInto_FollowsTheWeightThroughAnInPlaceUpdate()
    {
        // dJoined = dGates·wᵀ as the LSTM's backward computes it, with w updated in place between two steps.
        var g = new Generator(17);
        var w = Tensor.Uniform(g, [134, 256], -1f, 1f);
        var dGates = Tensor.Uniform(g, [16, 256], -1f, 1f);
        var result = Tensor.Zeros(16, 134);
        GemmPackedB.MultiplyInto(result, dGates, w, transposeB: true);
        Assert.Equal(Tensor.MatMul(dGates, w, transposeB: true).ToArray(), result.ToArray());

        var update = w.Data;
        for (int i = 0; i < update.Length; i += 3) update[i] *= 0.5f;
        GemmPackedB.MultiplyInto(result, dGates, w, transposeB: true);
        Assert.Equal(Tensor.MatMul(dGates, w, transposeB: true).ToArray(), result.ToArray());
    }

    [Fact]
    public void EachThreadHasItsOwnCache()
    {
        var w = Tensor.Zeros(4, 4);
        var mine = GemmPackedB.For(w);
        GemmPackedB? other = null;
        var thread = new Thread(() => other = GemmPackedB.For(w));
        thread.Start();
        thread.Join();
        Assert.Same(mine, GemmPackedB.For(w));
        Assert.NotNull(other);
        Assert.NotSame(mine, other);
    }

    [Fact]
    public void MultiplyInto_WrongShapes_NameTheCacheAndTheShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            GemmPackedB.MultiplyInto(Tensor.Zeros(16, 100), Tensor.Zeros(16, 256), Tensor.Zeros(134, 256), transposeB: true));
        Assert.Contains("GemmPackedB", ex.Message);
        Assert.Contains("[16, 134]", ex.Message);
    }

    private static float[] Random(Generator g, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = g.NextFloat() * 2f - 1f;
        return x;
    }
}
