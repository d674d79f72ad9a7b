namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product op(a)·op(b), where op transposes the last two dims when asked.
    /// Shapes: [m,k]·[k,n] → [m,n]; batched [...,m,k]·[...,k,n] → [...,m,n] with equal leading dims;
    /// or [...,m,k]·[k,n] → [...,m,n] (one matrix shared by every batch entry).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        const string op = "MatMul";
        if (a.Rank < 2 || b.Rank < 2 || (b.Rank > 2 && b.Rank != a.Rank))
            throw new ShapeMismatchException(op, a.Shape, b.Shape, "need ranks 2×2, r×r or r×2 (r ≥ 2)");
        int m = transposeA ? a.Dim(-1) : a.Dim(-2), k = transposeA ? a.Dim(-2) : a.Dim(-1);
        int kb = transposeB ? b.Dim(-1) : b.Dim(-2), n = transposeB ? b.Dim(-2) : b.Dim(-1);
        if (k != kb)
            throw new ShapeMismatchException(op, a.Shape, b.Shape, $"have inner dimensions {k} and {kb}{(transposeA || transposeB ? $" (transposeA={transposeA}, transposeB={transposeB})" : "")}");
        var batchShape = a.Shape[..^2];
        bool sharedB = b.Rank == 2;
        if (!sharedB && !batchShape.SequenceEqual(b.Shape[..^2]))
            throw new ShapeMismatchException(op, a.Shape, b.Shape, "have different batch dimensions");

        int batch = ShapeUtil.SizeOf(batchShape);
        var shape = new int[a.Rank];
        batchShape.CopyTo(shape);
        shape[^2] = m; shape[^1] = n;
        var result = Empty(shape);
        var av = a.Values; var bv = b.Values; var cv = result.Data;
        int sa = m * k, sb = sharedB ? 0 : k * n, sc = m * n;
        if (sharedB && !transposeA)
            Gemm.Multiply(av, bv, cv, batch * m, n, k, false, transposeB, false); // fold the batch into the rows
        else
            for (int i = 0; i < batch; i++)
                Gemm.Multiply(av.Slice(i * sa, sa), bv.Slice(i * sb, k * n), cv.Slice(i * sc, sc), m, n, k, transposeA, transposeB, false);

        return result.WithGrad(op, [a, b], g =>
        {
            var gv = g.Values; var av = a.Values; var bv = b.Values;
            if (a.RequiresGrad)
            {
                var da = Empty(a.ShapeArray()); var dv = da.Data;
                for (int i = 0; i < batch; i++)
                {
                    var gi = gv.Slice(i * sc, sc); var bi = bv.Slice(i * sb, k * n); var di = dv.Slice(i * sa, sa);
                    if (!transposeA) Gemm.Multiply(gi, bi, di, m, k, n, false, !transposeB, false);
                    else Gemm.Multiply(bi, gi, di, k, m, n, transposeB, true, false);
                }
                a.AccumulateGrad(da);
            }
            if (b.RequiresGrad)
            {
                var db = Empty(b.ShapeArray()); var dv = db.Data;
                for (int i = 0; i < batch; i++)
                {
                    var ai = av.Slice(i * sa, sa); var gi = gv.Slice(i * sc, sc); var di = dv.Slice(i * sb, k * n);
                    if (!transposeB) Gemm.Multiply(ai, gi, di, k, n, m, !transposeA, false, sharedB);
                    else Gemm.Multiply(gi, ai, di, n, k, m, true, transposeA, sharedB);
                }
                b.AccumulateGrad(db);
            }
        });
    }

    /// <inheritdoc cref="MatMul(Tensor, Tensor, bool, bool)"/>
    public Tensor MatMul(Tensor other, bool transposeThis = false, bool transposeOther = false) => MatMul(this, other, transposeThis, transposeOther);
}
