using System.Numerics.Tensors;

namespace Modules.Tensors;

/// <summary>Which implementation <see cref="Gemm"/> uses; <see cref="Auto"/> picks by size and hardware.</summary>
internal enum GemmPath
{
    /// <summary>Choose by problem size and the thread's <see cref="Simd.Current"/> path.</summary>
    Auto,
    /// <summary>Unpacked loops over <see cref="TensorPrimitives"/> rows; best for tiny products.</summary>
    Small,
    /// <summary>Packed, cache-blocked AVX-512 8×32 micro-kernel.</summary>
    Avx512,
    /// <summary>Packed, cache-blocked AVX2/FMA 6×16 micro-kernel.</summary>
    Avx2,
}

/// <summary>
/// Single-precision matrix multiply on row-major spans: C (+)= op(A)·op(B).
/// Follows the Goto/BLIS scheme: B is packed in [KC, NC] panels (kept in L2), A in [MC, KC] blocks,
/// and a register-blocked micro-kernel computes MR×NR tiles of C from the packed panels with FMAs.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>Depth of one packed block: a [KC, 32] B micro-panel (24 KB) plus an [MR, KC] A micro-panel (6 KB) stay in the 48 KB L1 together.</summary>
    internal const int KC = 192;

    /// <summary>Width of one packed B panel: [KC, NC] is 1 MB, which sits in the 2 MB per-core L2 next to an A block.</summary>
    internal const int NC = 1024;

    /// <summary>
    /// Products with m·n·k below this take <see cref="GemmPath.Small"/>: packing and padding to 8×32 tiles cost more
    /// than they save. Measured crossover (`-- tune`): at 8³ the two paths tie, from 12³ the packed kernel wins.
    /// Single-row products (m = 1, a vector–matrix product) also take the row loop, which was 2–4× faster there.
    /// </summary>
    internal const long SmallThreshold = 512;

    /// <summary>
    /// Rows of C at or below which B (when not transposed) is read in place instead of packed: with few rows each
    /// B panel feeds only one or two micro-tiles, so packing it would cost about as much as the multiply itself.
    /// </summary>
    internal const int DirectBMaxRows = 32;

    /// <summary>
    /// Work (m·n·k multiply-adds) from which the tiles are split across threads. Waking a thread and joining
    /// costs ≈10–20 µs on an idle machine and far more when other processes hold the cores, so a split must save
    /// well over that: 8 M (≈200³, ≈150 µs serial at ≈110 GFLOP/s) keeps the overhead under ~10%. Measured (`-- tune-large`)
    /// on the shared 2-core machine: below 256³ the split always lost (128³: 19 → 9 GFLOP/s), and every DNC product
    /// at the default sizes ([16,134]×[134,256] is 0.55 M) stays serial.
    /// </summary>
    internal const long ParallelThreshold = 8L * 1024 * 1024;

    /// <summary>
    /// C[m,n] = op(A)[m,k] · op(B)[k,n], or C += when <paramref name="accumulate"/>.
    /// A is stored [m,k] (or [k,m] when <paramref name="transA"/>), B is stored [k,n] (or [n,k] when <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transA, bool transB, bool accumulate)
        => Multiply(a, b, c, m, n, k, transA, transB, accumulate, GemmPath.Auto, Environment.ProcessorCount);

    /// <summary>As <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>,
    /// forcing an implementation and a thread limit (tests and benchmarks use this to reach every path), and with
    /// <paramref name="packedB"/> taking B's packed panels from that cache instead of packing them.</summary>
    internal static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transA, bool transB, bool accumulate, GemmPath path, int maxThreads, GemmPackedB? packedB = null)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Gemm: negative size m={m}, n={n}, k={k}");
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"Gemm: spans too short for m={m}, n={n}, k={k}: A has {a.Length} (needs {(long)m * k}), " +
                                        $"B has {b.Length} (needs {(long)k * n}), C has {c.Length} (needs {(long)m * n})");
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c.Slice(0, m * n).Clear();
            return;
        }
        path = Resolve(path, m, n, k);

        if (path == GemmPath.Small)
        {
            Small(a, b, c, m, n, k, transA, transB, accumulate);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var problem = new Problem(pa, pb, pc, m, n, k, transA, transB, accumulate);
            if (path == GemmPath.Avx512) Blocked<Avx512Kernel8x32>(problem, maxThreads, packedB);
            else Blocked<Avx2Kernel6x16>(problem, maxThreads, packedB);
        }
    }

    /// <summary>
    /// The implementation a multiply of this size takes: <see cref="GemmPath.Auto"/> picks the row loop for tiny
    /// products and otherwise the micro-kernel of the thread's <see cref="Simd.Current"/> path. A forced kernel the
    /// hardware lacks is an error, never a silent fallback, so a test of that kernel cannot pass without running it.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">A forced micro-kernel is not supported on this CPU.</exception>
    internal static GemmPath Resolve(GemmPath path, int m, int n, int k)
    {
        if (path == GemmPath.Auto)
            return (long)m * n * k < SmallThreshold || m == 1 ? GemmPath.Small
                 : Simd.Current switch { SimdPath.Avx512 => GemmPath.Avx512, SimdPath.Avx2 => GemmPath.Avx2, _ => GemmPath.Small };
        if ((path == GemmPath.Avx512 && !Avx512Kernel8x32.IsSupported) || (path == GemmPath.Avx2 && !Avx2Kernel6x16.IsSupported))
            throw new PlatformNotSupportedException($"Gemm: the {path} micro-kernel is not supported on this CPU (widest supported path: {Simd.Widest})");
        return path;
    }

    /// <summary>The operands of one multiply; pointers kept as addresses so worker lambdas can capture them.</summary>
    private readonly struct Problem(float* a, float* b, float* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        public readonly nint A = (nint)a, B = (nint)b, C = (nint)c;
        public readonly int M = m, N = n, K = k;
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate;
        public nint Lda => TransA ? M : K;
        public nint Ldb => TransB ? K : N;
    }

    /// <summary>One [kc, nc] slice of the loop nest: which B panel is packed and how the tiles are split into tasks.</summary>
    private readonly struct Slice
    {
        public int Jc { get; init; }
        public int Nc { get; init; }
        public int Pc { get; init; }
        public int Kc { get; init; }
        public bool Add { get; init; }
        public nint PackedB { get; init; }
        public bool DirectB { get; init; }
        public int Groups { get; init; }
    }

    /// <summary>The jc (NC columns) → pc (KC depth) loops: packs each B panel once (or takes it from
    /// <paramref name="cache"/>, which holds them in this order), then runs its tiles as tasks.</summary>
    private static void Blocked<TK>(in Problem q, int maxThreads, GemmPackedB? cache) where TK : IGemmMicroKernel
    {
        int nr = TK.NR, mcMax = TK.MC;
        bool directB = !q.TransB && q.M <= DirectBMaxRows;
        int kcMax = Math.Min(KC, q.K);
        int ncMax = Math.Min(NC, RoundUp(q.N, nr));
        float* cached = directB || cache is null ? null : cache.Panels(new ReadOnlySpan<float>((float*)q.B, q.K * q.N), q.K, q.N, q.TransB, nr);
        float* packedB = directB || cached != null ? null : GemmBuffers.B(kcMax * ncMax);
        int mBlocks = (q.M + mcMax - 1) / mcMax;
        bool parallel = maxThreads > 1 && (long)q.M * q.N * q.K >= ParallelThreshold;

        for (int jc = 0; jc < q.N; jc += NC)
        {
            int nc = Math.Min(NC, q.N - jc);
            int panels = (nc + nr - 1) / nr;
            // Two tasks per thread keep both cores busy when another process steals one for a while.
            int groups = parallel ? Math.Clamp((2 * maxThreads + mBlocks - 1) / mBlocks, 1, panels) : 1;
            for (int pc = 0; pc < q.K; pc += KC)
            {
                int kc = Math.Min(KC, q.K - pc);
                if (cached != null)
                {
                    packedB = cached;
                    cached += (nint)kc * RoundUp(nc, nr);
                }
                else if (!directB) GemmPacking.PackB((float*)q.B, q.Ldb, q.TransB, pc, kc, jc, nc, nr, packedB);
                var s = new Slice
                {
                    Jc = jc, Nc = nc, Pc = pc, Kc = kc, Add = q.Accumulate || pc > 0,
                    PackedB = (nint)packedB, DirectB = directB, Groups = groups,
                };
                int tasks = mBlocks * groups;
                if (!parallel || tasks == 1)
                {
                    for (int t = 0; t < tasks; t++) RunTask<TK>(q, s, t);
                }
                else
                {
                    RunParallel<TK>(q, s, tasks, maxThreads);
                }
            }
        }
    }

    /// <summary>Runs the tasks of one slice on the <see cref="WorkerTeam"/> (serially when it is busy: each task writes
    /// its own tiles of C, so the result is the same); the problem and slice travel as the call's state, so no closure.</summary>
    private static void RunParallel<TK>(Problem q, Slice s, int tasks, int maxThreads) where TK : IGemmMicroKernel
        => WorkerTeam.For(tasks, maxThreads, (q, s), static (st, t) => RunTask<TK>(st.q, st.s, t));

    /// <summary>Packs one A block and runs the micro-kernel over one group of B panels (the unit of parallel work).</summary>
    private static void RunTask<TK>(in Problem q, in Slice s, int task) where TK : IGemmMicroKernel
    {
        int mr = TK.MR, nr = TK.NR, mcMax = TK.MC;
        int i0 = task / s.Groups * mcMax, group = task % s.Groups;
        int mc = Math.Min(mcMax, q.M - i0);
        int panels = (s.Nc + nr - 1) / nr;
        int perGroup = (panels + s.Groups - 1) / s.Groups;
        int jp0 = group * perGroup, jp1 = Math.Min(panels, jp0 + perGroup);
        if (jp0 >= jp1) return;

        int kc = s.Kc;
        float* ap = GemmBuffers.A(RoundUp(mc, mr) * kc);
        GemmPacking.PackA((float*)q.A, q.Lda, q.TransA, i0, mc, s.Pc, kc, mr, ap);
        float* tile = stackalloc float[mr * nr];
        float* b = (float*)q.B, c = (float*)q.C;
        nint ldb = q.Ldb, ldc = q.N;

        for (int jp = jp0; jp < jp1; jp++)
        {
            int j = jp * nr, cols = Math.Min(nr, s.Nc - j);
            float* bPanel;
            nint bStride;
            if (s.DirectB && cols == nr)
            {
                bPanel = b + s.Pc * ldb + s.Jc + j;
                bStride = ldb;
            }
            else if (s.DirectB)
            {
                // Ragged right edge: pad it to a full panel (this thread's B buffer is unused when B is read in place).
                bPanel = GemmBuffers.B(kc * nr);
                GemmPacking.PackB(b, ldb, false, s.Pc, kc, s.Jc + j, cols, nr, bPanel);
                bStride = nr;
            }
            else
            {
                bPanel = (float*)s.PackedB + (nint)jp * kc * nr;
                bStride = nr;
            }

            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* aPanel = ap + (nint)ir * kc;
                float* cTile = c + (i0 + ir) * ldc + s.Jc + j;
                if (rows == mr && cols == nr)
                {
                    TK.Run(kc, aPanel, bPanel, bStride, cTile, ldc, s.Add);
                }
                else
                {
                    TK.Run(kc, aPanel, bPanel, bStride, tile, nr, false);
                    for (int r = 0; r < rows; r++)
                    {
                        var src = new ReadOnlySpan<float>(tile + r * nr, cols);
                        var dst = new Span<float>(cTile + r * ldc, cols);
                        if (s.Add) TensorPrimitives.Add(dst, src, dst);
                        else src.CopyTo(dst);
                    }
                }
            }
        }
    }

    /// <summary>Unpacked path for tiny products: vectorised over rows of B (or dot products when B is transposed).</summary>
    private static void Small(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        if (!transB)
        {
            if (!accumulate) c.Slice(0, m * n).Clear();
            for (int i = 0; i < m; i++)
            {
                var crow = c.Slice(i * n, n);
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), av, crow, crow);
                }
            }
        }
        else if (!transA)
        {
            for (int i = 0; i < m; i++)
            {
                var arow = a.Slice(i * k, k);
                for (int j = 0; j < n; j++)
                {
                    float d = TensorPrimitives.Dot(arow, b.Slice(j * k, k));
                    c[i * n + j] = accumulate ? c[i * n + j] + d : d;
                }
            }
        }
        else
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float d = 0f;
                    for (int p = 0; p < k; p++) d += a[p * m + i] * b[j * k + p];
                    c[i * n + j] = accumulate ? c[i * n + j] + d : d;
                }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
