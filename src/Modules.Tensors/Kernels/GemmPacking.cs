using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Modules.Tensors;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panel layouts the micro-kernels read.
/// Transposes are resolved here, so the kernels only ever see one layout.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] as ⌈mc/mr⌉ panels of [kc, mr] (p-major); rows past mc are zero.
    /// A is stored [m,k] with row stride <paramref name="lda"/>, or [k,m] when <paramref name="transA"/>.
    /// </summary>
    public static void PackA(float* a, nint lda, bool transA, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int ir = 0; ir < mc; ir += mr, dst += (nint)kc * mr)
        {
            int rows = Math.Min(mr, mc - ir);
            if (transA)
            {
                // Row p of the stored [k,m] matrix holds the mr values we need contiguously.
                float* src = a + (nint)p0 * lda + i0 + ir;
                float* d = dst;
                for (int p = 0; p < kc; p++, src += lda, d += mr)
                {
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            else if (rows == 8 && mr == 8 && Avx.IsSupported)
            {
                // Eight source rows → eight-float groups per k step: an 8×8 register transpose per 8 k steps.
                float* src = a + (nint)(i0 + ir) * lda + p0;
                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8x8(src + p, lda, dst + (nint)p * 8, 8);
                for (; p < kc; p++)
                    for (int r = 0; r < 8; r++) dst[(nint)p * 8 + r] = src[r * lda + p];
            }
            else
            {
                // Read each source row sequentially and scatter it with stride mr.
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (nint)(i0 + ir + r) * lda + p0;
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++) d[(nint)p * mr] = src[p];
                }
                for (int r = rows; r < mr; r++)
                    for (int p = 0; p < kc; p++) dst[(nint)p * mr + r] = 0f;
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] as ⌈nc/nr⌉ panels of [kc, nr]; columns past nc are zero.
    /// B is stored [k,n] with row stride <paramref name="ldb"/>, or [n,k] when <paramref name="transB"/>.
    /// </summary>
    public static void PackB(float* b, nint ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        if (!transB)
        {
            // Walk each source row once, left to right, dealing its nr-float pieces out to the panels:
            // visiting the rows panel by panel instead re-reads every row once per panel at a large stride.
            nint panelSize = (nint)kc * nr;
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (nint)(p0 + p) * ldb + j0;
                float* d = dst + (nint)p * nr;
                for (int jr = 0; jr < nc; jr += nr, d += panelSize)
                {
                    int cols = Math.Min(nr, nc - jr);
                    new ReadOnlySpan<float>(src + jr, cols).CopyTo(new Span<float>(d, cols));
                    if (cols < nr) new Span<float>(d + cols, nr - cols).Clear();
                }
            }
            return;
        }
        for (int jr = 0; jr < nc; jr += nr, dst += (nint)kc * nr)
        {
            int cols = Math.Min(nr, nc - jr);
            if (transB && cols == nr && nr % 8 == 0 && Avx.IsSupported)
            {
                // Stored [n,k]: row p of the panel is column p of nr source rows; transpose 8×8 blocks in registers.
                float* src = b + (nint)(j0 + jr) * ldb + p0;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                    for (int j = 0; j < nr; j += 8) Transpose8x8(src + j * ldb + p, ldb, dst + (nint)p * nr + j, nr);
                for (; p < kc; p++)
                    for (int j = 0; j < nr; j++) dst[(nint)p * nr + j] = src[j * ldb + p];
            }
            else if (transB)
            {
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (nint)(j0 + jr + j) * ldb + p0;
                    float* d = dst + j;
                    for (int p = 0; p < kc; p++) d[(nint)p * nr] = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) dst[(nint)p * nr + j] = 0f;
            }
            else
            {
                float* src = b + (nint)p0 * ldb + j0 + jr;
                float* d = dst;
                for (int p = 0; p < kc; p++, src += ldb, d += nr)
                {
                    new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                    if (cols < nr) new Span<float>(d + cols, nr - cols).Clear();
                }
            }
        }
    }

    /// <summary>Writes the transpose of the 8×8 block at <paramref name="src"/> (row stride <paramref name="lds"/>)
    /// to <paramref name="dst"/> (row stride <paramref name="ldd"/>) with 24 in-register shuffles.</summary>
    private static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
