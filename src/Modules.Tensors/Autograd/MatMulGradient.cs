namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// For the backward function of a <see cref="Custom(string, Tensor, Tensor[], Func{Tensor, Tensor?[]})"/> op: adds the
    /// matrix product op(<paramref name="a"/>)·op(<paramref name="b"/>) to <paramref name="input"/>'s gradient, computed
    /// straight into the gradient buffer (the GEMM accumulates into it once it exists), instead of returning a fresh
    /// product for the op to add. A weight used at every time step then costs no temporary per step. Return null for
    /// <paramref name="input"/> from the backward function after calling this, or its gradient is counted twice.
    /// </summary>
    /// <param name="input">An input of the op (usually a weight) whose gradient is the product; [m, n].</param>
    /// <param name="a">The left factor, viewed as a matrix [rows, last dim] (leading dims fold into the rows); op(a) is [m, k].</param>
    /// <param name="b">The right factor, viewed the same way; op(b) is [k, n].</param>
    /// <param name="transposeA">Whether op(a) is a's transpose (e.g. xᵀ·g for a weight gradient).</param>
    /// <param name="transposeB">Whether op(b) is b's transpose.</param>
    /// <exception cref="ShapeMismatchException">The factors do not multiply, or the product is not <paramref name="input"/>'s shape.</exception>
    /// <remarks>Does nothing when <paramref name="input"/> does not require a gradient. Honours <see cref="CaptureGradients"/>.</remarks>
    public static void AccumulateMatMulGrad(Tensor input, Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        const string op = "AccumulateMatMulGrad";
        if (a.Rank < 2 || b.Rank < 2 || input.Rank != 2)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"need factors of rank ≥ 2 and a gradient of rank 2, got gradient shape {ShapeUtil.Format(input.Shape)}");
        int colsA = a.Dim(-1), rowsA = a.Size / Math.Max(colsA, 1);
        int colsB = b.Dim(-1), rowsB = b.Size / Math.Max(colsB, 1);
        int m = transposeA ? colsA : rowsA, k = transposeA ? rowsA : colsA;
        int kb = transposeB ? colsB : rowsB, n = transposeB ? rowsB : colsB;
        if (k != kb)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"have inner dimensions {k} and {kb} (transposeA={transposeA}, transposeB={transposeB})");
        if (input.Dim(0) != m || input.Dim(1) != n)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"give a [{m}, {n}] product, but the gradient's tensor has shape {ShapeUtil.Format(input.Shape)}");
        input.AccumulateGrad((a, b, m, n, k, transposeA, transposeB), static (s, target, accumulate) =>
            Gemm.Multiply(s.a.Values, s.b.Values, target, s.m, s.n, s.k, s.transposeA, s.transposeB, accumulate));
    }
}
