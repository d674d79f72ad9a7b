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
        Span<int> shape = a.Rank <= 8 ? stackalloc int[a.Rank] : new int[a.Rank];
        batchShape.CopyTo(shape);
        shape[^2] = m; shape[^1] = n;
        var result = Uninitialized(ShapeUtil.Shared(shape));
        var av = a.Values; var bv = b.Values; var cv = result.Data;
        int sa = m * k, sb = sharedB ? 0 : k * n, sc = m * n;
        if (sharedB && !transposeA)
            Gemm.Multiply(av, bv, cv, batch * m, n, k, false, transposeB, false); // fold the batch into the rows
        else
            for (int i = 0; i < batch; i++)
                Gemm.Multiply(av.Slice(i * sa, sa), bv.Slice(i * sb, k * n), cv.Slice(i * sc, sc), m, n, k, transposeA, transposeB, false);

        return Records(a, b) ? RecordMatMul(result, a, b, new MatMulDims(batch, m, n, k, transposeA, transposeB, sharedB)) : result;
    }

    /// <summary>The sizes of one MatMul call, for its backward.</summary>
    private readonly record struct MatMulDims(int Batch, int M, int N, int K, bool TransposeA, bool TransposeB, bool SharedB);

    /// <summary>
    /// Records the backward: each gradient is a GEMM written (or, when the gradient buffer exists, added with the
    /// GEMM's accumulate flag) straight into the input's gradient, so a weight used at every time step costs no
    /// temporary. With one B shared by the whole batch, both products fold the batch into the rows: one GEMM each.
    /// </summary>
    private static Tensor RecordMatMul(Tensor result, Tensor a, Tensor b, MatMulDims dims)
    {
        if (Tracks(a, b)) result.Attach(new MatMulNode(a, b, dims));
        return result;
    }

    /// <summary>Whether an op on <paramref name="a"/> and <paramref name="b"/> records a gradient.</summary>
    private static bool Tracks(Tensor a, Tensor b) => GradMode.Enabled && (a.RequiresGrad || b.RequiresGrad);

    /// <summary>A product's node: the operands and sizes in fields, no closure or delegate.</summary>
    private sealed class MatMulNode(Tensor a, Tensor b, MatMulDims dims) : GradNode([a, b])
    {
        public override string Op => "MatMul";

        public override void Backward(Tensor g)
        {
            Tensor a = Input(0), b = Input(1);
            a.AccumulateGrad((g, b, dims), static (s, da, acc) =>
            {
                var (batch, m, n, k, transposeA, transposeB, sharedB) = s.dims;
                var gv = s.g.Values; var bv = s.b.Values;
                if (sharedB && !transposeA)
                {
                    Gemm.Multiply(gv, bv, da, batch * m, k, n, false, !transposeB, acc);
                    return;
                }
                int sa = m * k, sb = sharedB ? 0 : k * n, sc = m * n;
                for (int i = 0; i < batch; i++)
                {
                    var gi = gv.Slice(i * sc, sc); var bi = bv.Slice(i * sb, k * n); var di = da.Slice(i * sa, sa);
                    if (!transposeA) Gemm.Multiply(gi, bi, di, m, k, n, false, !transposeB, acc);
                    else Gemm.Multiply(bi, gi, di, k, m, n, transposeB, true, acc);
                }
            });
            b.AccumulateGrad((g, a, dims), static (s, db, acc) =>
            {
                var (batch, m, n, k, transposeA, transposeB, sharedB) = s.dims;
                var gv = s.g.Values; var av = s.a.Values;
                if (sharedB && !transposeA)
                {
                    // dB = Aᵀ·G over all batch rows at once (or its transpose when B is stored transposed).
                    if (!transposeB) Gemm.Multiply(av, gv, db, k, n, batch * m, true, false, acc);
                    else Gemm.Multiply(gv, av, db, n, k, batch * m, true, false, acc);
                    return;
                }
                int sa = m * k, sb = sharedB ? 0 : k * n, sc = m * n;
                for (int i = 0; i < batch; i++)
                {
                    var ai = av.Slice(i * sa, sa); var gi = gv.Slice(i * sc, sc); var di = db.Slice(i * sb, k * n);
                    bool add = acc || (sharedB && i > 0);
                    if (!transposeB) Gemm.Multiply(ai, gi, di, k, n, m, !transposeA, false, add);
                    else Gemm.Multiply(gi, ai, di, n, k, m, true, transposeA, add);
                }
                if (batch == 0 && !acc) db.Clear();
            });
        }
    }

    /// <inheritdoc cref="MatMul(Tensor, Tensor, bool, bool)"/>
    public Tensor MatMul(Tensor other, bool transposeThis = false, bool transposeOther = false) => MatMul(this, other, transposeThis, transposeOther);
}
