using Xunit.Abstractions;

namespace Modules.Tensors.Tests;

/// <summary>Checks every GEMM path against a double-precision triple loop, over shapes that cross the block sizes.</summary>
public class GemmTests(ITestOutputHelper output)
{
    /// <summary>m, n, k: degenerate, odd, exact tiles, and sizes crossing MR/NR (8/32, 6/16), MC (128/144), KC (256) and NC (1024).</summary>
    public static readonly TheoryData<int, int, int> Shapes = new()
    {
        { 1, 1, 1 }, { 2, 3, 4 }, { 1, 64, 1 }, { 64, 1, 64 }, { 2, 16, 8 }, { 17, 33, 65 },
        { 8, 32, 256 }, { 6, 16, 7 }, { 9, 33, 257 }, { 16, 256, 134 }, { 16, 134, 256 }, { 134, 256, 16 },
        { 33, 47, 19 }, { 130, 70, 300 }, { 150, 40, 10 }, { 3, 1100, 20 }, { 40, 1030, 9 },
    };

    // One test per instruction-set path, so each names itself in the output and is skipped, with the reason, where the
    // CPU lacks it: a forced micro-kernel the hardware does not have throws rather than falling back to another path.

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RowLoopMatchesDoubleReference(int m, int n, int k) => CheckAllVariants(m, n, k, GemmPath.Small);

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(Shapes))]
    public void Avx2KernelMatchesDoubleReference(int m, int n, int k) => CheckAllVariants(m, n, k, GemmPath.Avx2);

    [SimdTheory(SimdPath.Avx512)]
    [MemberData(nameof(Shapes))]
    public void Avx512KernelMatchesDoubleReference(int m, int n, int k) => CheckAllVariants(m, n, k, GemmPath.Avx512);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AutoMatchesDoubleReference(int m, int n, int k) => CheckAllVariants(m, n, k, GemmPath.Auto);

    private void CheckAllVariants(int m, int n, int k, GemmPath path)
    {
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                    CheckAgainstReference(m, n, k, transA, transB, accumulate, path, maxThreads: 1);
        output.WriteLine($"GEMM {m}x{n}x{k}: ran path {Gemm.Resolve(path, m, n, k)} (asked {path}; widest on this CPU {Simd.Widest})");
    }

    public static readonly TheoryData<int, int, int> ParallelShapes = new()
    {
        { 270, 1050, 30 }, // packed B, tiles split over row blocks and column groups, crosses NC
        { 20, 1100, 400 }, // B read in place (few rows), split over column groups only
        { 300, 300, 300 }, // crosses MC, KC; transposed operands packed by several threads
    };

    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(ParallelShapes))]
    public void Avx2ParallelSplitMatchesDoubleReference(int m, int n, int k) => CheckParallel(m, n, k, GemmPath.Avx2);

    [SimdTheory(SimdPath.Avx512)]
    [MemberData(nameof(ParallelShapes))]
    public void Avx512ParallelSplitMatchesDoubleReference(int m, int n, int k) => CheckParallel(m, n, k, GemmPath.Avx512);

    private void CheckParallel(int m, int n, int k, GemmPath path)
    {
        Assert.True((long)m * n * k >= Gemm.ParallelThreshold, "shape must be large enough to take the parallel path");
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                CheckAgainstReference(m, n, k, transA, transB, accumulate: transA, path, maxThreads: 4);
        output.WriteLine($"GEMM {m}x{n}x{k} split over 4 threads: ran path {path}");
    }

    /// <summary>
    /// The split runs on <see cref="WorkerTeam"/>, or in order on the calling thread when the team is busy (here: a
    /// product inside a slice of another team call). Property: each tile is computed by one thread from the same packed
    /// operands, so both give the serial product bit for bit.
    /// </summary>
    [SimdTheory(SimdPath.Avx2)]
    [MemberData(nameof(ParallelShapes))]
    public void ParallelSplit_OnTheTeamAndWithTheTeamBusy_IsBitIdenticalToSerial(int m, int n, int k)
    {
        var g = new Generator((ulong)(m * 31 + n * 7 + k));
        float[] a = Random(g, m * k), b = Random(g, k * n);
        float[] Product(int threads)
        {
            var c = new float[m * n];
            Gemm.Multiply(a, b, c, m, n, k, false, false, false, GemmPath.Avx2, threads);
            return c;
        }
        var serial = Product(1);
        for (int repeat = 0; repeat < 3; repeat++) Assert.Equal(serial, Product(4));
        var insideSlices = new float[2][];
        bool refused = false;
        while (!WorkerTeam.TryRun(2, 2, s =>
        {
            if (!WorkerTeam.TryRun(1, 2, _ => { })) refused = true;
            insideSlices[s] = Product(4);
        })) Thread.Sleep(1);   // other tests may be using the team
        Assert.True(refused, "a call from inside a slice should find the team busy");
        Assert.All(insideSlices, c => Assert.Equal(serial, c));
    }

    [Theory]
    [InlineData(SimdPath.Scalar, GemmPath.Small)]
    [InlineData(SimdPath.Avx2, GemmPath.Avx2)]
    [InlineData(SimdPath.Avx512, GemmPath.Avx512)]
    internal void AutoTakesTheMicroKernelOfTheThreadsPath(SimdPath simd, GemmPath expected)
    {
        if (!Simd.IsSupported(simd))
        {
            Assert.Throws<PlatformNotSupportedException>(() => Simd.Force(simd));
            output.WriteLine($"{simd} is not supported on this CPU: forcing it throws");
            return;
        }
        using (Simd.Force(simd))
        {
            Assert.Equal(expected, Gemm.Resolve(GemmPath.Auto, 16, 256, 134));
            Assert.Equal(GemmPath.Small, Gemm.Resolve(GemmPath.Auto, 4, 4, 4));   // tiny: the row loop on every path
            Assert.Equal(GemmPath.Small, Gemm.Resolve(GemmPath.Auto, 1, 256, 134)); // one row: the row loop
        }
        Assert.Equal(Simd.Widest, Simd.Current);
        output.WriteLine($"forced {simd}: Auto took {expected}");
    }

    [Fact]
    public void ForcingAKernelTheCpuLacksThrowsInsteadOfFallingBack()
    {
        var kernels = new[] { (GemmPath.Avx2, SimdPath.Avx2), (GemmPath.Avx512, SimdPath.Avx512) };
        foreach (var (path, simd) in kernels)
        {
            if (Simd.IsSupported(simd))
            {
                Assert.Equal(path, Gemm.Resolve(path, 2, 2, 2));
                output.WriteLine($"{path}: supported here, forcing it runs it");
            }
            else
            {
                Assert.Throws<PlatformNotSupportedException>(() => Gemm.Multiply(new float[4], new float[4], new float[4], 2, 2, 2, false, false, false, path, 1));
                output.WriteLine($"{path}: not supported here, forcing it throws");
            }
        }
    }

    [Theory]
    [InlineData(0, 5, 3)]
    [InlineData(4, 0, 3)]
    public void EmptyOutputLeavesBuffersUntouched(int m, int n, int k)
    {
        var c = new float[] { 42f };
        Gemm.Multiply(new float[m * k], new float[k * n], c, m, n, k, false, false, false);
        Assert.Equal(42f, c[0]);
    }

    [Fact]
    public void ZeroInnerDimensionGivesZerosOrKeepsAccumulator()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply([], [], c, 2, 3, 0, false, false, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
        Gemm.Multiply([], [], c, 2, 3, 0, false, false, accumulate: false);
        Assert.Equal(new float[6], c);
    }

    [Fact]
    public void HandComputedProductOnRowLoop() => CheckHandComputed(GemmPath.Small);

    [SimdFact(SimdPath.Avx2)]
    public void HandComputedProductOnAvx2Kernel() => CheckHandComputed(GemmPath.Avx2);

    [SimdFact(SimdPath.Avx512)]
    public void HandComputedProductOnAvx512Kernel() => CheckHandComputed(GemmPath.Avx512);

    private static void CheckHandComputed(GemmPath path)
    {
        // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        float[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12];
        var c = new float[4];
        Gemm.Multiply(a, b, c, 2, 2, 3, false, false, false, path, 1);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c);
        Gemm.Multiply(a, b, c, 2, 2, 3, false, false, true, path, 1);
        Assert.Equal(new float[] { 116, 128, 278, 308 }, c);
    }

    [Theory]
    [InlineData(16, 256, 134, false, false)] // the DNC controller's linear layer, B read in place
    [InlineData(16, 134, 256, false, true)]  // its input gradient, B packed by transposes
    [InlineData(134, 256, 16, true, false)]  // its weight gradient
    [InlineData(2, 16, 8, false, true)]      // content-addressing sized batch entry, row loop
    public void SerialMultiplyAllocatesNothingOnceWarm(int m, int n, int k, bool transA, bool transB)
    {
        var g = new Generator(11);
        float[] a = Random(g, m * k), b = Random(g, k * n), c = new float[m * n];
        // Grows this thread's packing buffers, and lets tiered compilation settle (it allocates while it re-jits).
        for (int i = 0; i < 200; i++) Gemm.Multiply(a, b, c, m, n, k, transA, transB, false);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Gemm.Multiply(a, b, c, m, n, k, transA, transB, i > 0);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ShortSpanIsRejectedWithSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[4], 2, 2, 3, false, false, false));
        Assert.Contains("A has 5 (needs 6)", ex.Message);
    }

    [Fact]
    public void BatchedTransposedMatMulMatchesReference()
    {
        // The DNC's content addressing shape: [3,2,8] · [3,16,8]ᵀ → [3,2,16].
        var g = new Generator(7);
        var a = Tensor.Uniform(g, [3, 2, 8], -1f, 1f);
        var b = Tensor.Uniform(g, [3, 16, 8], -1f, 1f);
        var c = Tensor.MatMul(a, b, transposeB: true);
        Assert.Equal(new[] { 3, 2, 16 }, c.ShapeArray());
        for (int t = 0; t < 3; t++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 16; j++)
                {
                    double d = 0;
                    for (int p = 0; p < 8; p++) d += (double)a.At(t, i, p) * b.At(t, j, p);
                    Assert.True(Math.Abs(d - c.At(t, i, j)) < 1e-5, $"[{t},{i},{j}]: {c.At(t, i, j)} vs {d}");
                }
    }

    private static void CheckAgainstReference(int m, int n, int k, bool transA, bool transB, bool accumulate, GemmPath path, int maxThreads)
    {
        var g = new Generator((ulong)(m * 1_000_003 + n * 1009 + k * 7 + (transA ? 1 : 0) + (transB ? 2 : 0)));
        float[] a = Random(g, m * k), b = Random(g, k * n), c0 = Random(g, m * n);
        var c = (float[])c0.Clone();
        Gemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate, path, maxThreads);

        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c0[i * n + j] : 0, magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[p * m + i] : a[i * k + p];
                    double y = transB ? b[j * k + p] : b[p * n + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                // Worst-case float32 summation bound: (k + 2)·u·Σ|terms| with u = 2⁻²⁴.
                double tolerance = (k + 2) * 6e-8 * magnitude + 1e-7;
                double actual = c[i * n + j];
                if (Math.Abs(actual - sum) > tolerance)
                    Assert.Fail($"{path} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}: " +
                                $"C[{i},{j}] = {actual}, expected {sum} ± {tolerance}");
            }
    }

    private static float[] Random(Generator g, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = g.NextFloat() * 2f - 1f;
        return x;
    }
}
