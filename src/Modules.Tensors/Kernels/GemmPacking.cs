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
        for (int jr = 0; jr < nc; jr += nr, dst += (nint)kc * nr)
        {
            int cols = Math.Min(nr, nc - jr);
            if (transB)
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
}
