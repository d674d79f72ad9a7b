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
        var (m, n, k) = ProductSize("AccumulateMatMulGrad", input, a, b, transposeA, transposeB);
        input.AccumulateGrad((a, b, m, n, k, transposeA, transposeB), static (s, target, accumulate) =>
            Gemm.Multiply(s.a.Values, s.b.Values, target, s.m, s.n, s.k, s.transposeA, s.transposeB, accumulate));
    }

    /// <summary>
    /// Writes the matrix product op(<paramref name="a"/>)·op(<paramref name="b"/>) into <paramref name="destination"/>, or adds
    /// it when <paramref name="accumulate"/>, recording no gradient: for backward functions that put a product into a
    /// <see cref="BackwardBuffer"/> instead of allocating one with <see cref="MatMul(Tensor, Tensor, bool, bool)"/>.
    /// </summary>
    /// <param name="destination">The [m, n] result.</param>
    /// <param name="a">The left factor, viewed as a matrix [rows, last dim] (leading dims fold into the rows); op(a) is [m, k].</param>
    /// <param name="b">The right factor, viewed the same way; op(b) is [k, n].</param>
    /// <param name="transposeA">Whether op(a) is a's transpose.</param>
    /// <param name="transposeB">Whether op(b) is b's transpose.</param>
    /// <param name="accumulate">Add to <paramref name="destination"/> instead of overwriting it.</param>
    /// <exception cref="ShapeMismatchException">The factors do not multiply, or the product is not <paramref name="destination"/>'s shape.</exception>
    public static void MatMulInto(Tensor destination, Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (m, n, k) = ProductSize("MatMulInto", destination, a, b, transposeA, transposeB);
        Gemm.Multiply(a.Values, b.Values, destination.Data, m, n, k, transposeA, transposeB, accumulate);
    }

    /// <summary>The sizes m, n, k of op(a)·op(b) with leading dims folded into the rows, checked against the [m, n] <paramref name="target"/>.</summary>
    private static (int M, int N, int K) ProductSize(string op, Tensor target, Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank < 2 || b.Rank < 2 || target.Rank != 2)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"need factors of rank ≥ 2 and a target of rank 2, got target shape {ShapeUtil.Format(target.Shape)}");
        int colsA = a.Dim(-1), rowsA = a.Size / Math.Max(colsA, 1);
        int colsB = b.Dim(-1), rowsB = b.Size / Math.Max(colsB, 1);
        int m = transposeA ? colsA : rowsA, k = transposeA ? rowsA : colsA;
        int kb = transposeB ? colsB : rowsB, n = transposeB ? rowsB : colsB;
        if (k != kb)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"have inner dimensions {k} and {kb} (transposeA={transposeA}, transposeB={transposeB})");
        if (target.Dim(0) != m || target.Dim(1) != n)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"give a [{m}, {n}] product, but the target has shape {ShapeUtil.Format(target.Shape)}");
        return (m, n, k);
    }
}
