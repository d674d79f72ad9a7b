namespace Modules.Tensors;

/// <summary>Single-precision matrix multiply on row-major spans: C (+)= op(A)·op(B).</summary>
internal static class Gemm
{
    /// <summary>
    /// C[m,n] = op(A)[m,k] · op(B)[k,n], or C += when <paramref name="accumulate"/>.
    /// A is stored [m,k] (or [k,m] when <paramref name="transA"/>), B is stored [k,n] (or [n,k] when <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        if (!accumulate) c.Slice(0, m * n).Clear();
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[p * m + i] : a[i * k + p];
                if (!transB)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), av, crow, crow);
                }
                else
                {
                    for (int j = 0; j < n; j++) crow[j] += av * b[j * k + p];
                }
            }
        }
    }
}
