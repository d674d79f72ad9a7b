using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules;

/// <summary>
/// Joins tensors that share a batch dimension into one <c>[B, Σ size_k]</c> matrix, each flattened to its rows
/// (<c>[B, ...] → [B, size_k]</c>), as one op: what <c>Tensor.Concat(-1, a.Reshape(B, -1), b.Reshape(B, -1), …)</c>
/// computes, without recording the reshapes. The DNC uses it for the controller input (the input and the previous
/// read words).
/// </summary>
public static class FlatConcat
{
    /// <summary>Pieces <c>[B, ...]</c> (at least one, same B) → <c>[B, Σ size_k]</c>; the gradient of each piece is its columns, in its own shape.</summary>
    /// <exception cref="ShapeMismatchException">A piece is a scalar or its batch size differs from the first piece's.</exception>
    public static Tensor Rows(params Tensor[] pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        const string op = "FlatConcat.Rows";
        if (pieces.Length == 0) throw new ArgumentException($"{op}: need at least one piece", nameof(pieces));
        if (pieces[0].Rank < 1) throw new ShapeMismatchException(op, "piece 0", [-1], pieces[0].Shape, " ([B, ...])");
        int batch = pieces[0].Dim(0), width = 0;
        for (int k = 0; k < pieces.Length; k++)
        {
            if (pieces[k].Rank < 1 || pieces[k].Dim(0) != batch)
                throw new ShapeMismatchException(op, pieces[0].Shape, pieces[k].Shape, $"piece {k}: need the same batch size {batch}");
            width += RowSize(pieces[k], batch);
        }
        var output = Tensor.Allocate(batch, width);
        var joined = output.Data;
        for (int k = 0, at = 0; k < pieces.Length; k++)
        {
            var pv = pieces[k].Values;
            int size = RowSize(pieces[k], batch);
            for (int r = 0; r < batch; r++) pv.Slice(r * size, size).CopyTo(joined.Slice(r * width + at, size));
            at += size;
        }
        // A static backward (the pieces are the op's inputs): no closure or delegate per call.
        return Tensor.Custom(op, output, pieces, default(ValueTuple), static (pieces, _, g) => Backward(pieces, g));
    }

    /// <summary>A piece's values per row: its size over the batch (0 for an empty batch).</summary>
    internal static int RowSize(Tensor piece, int batch) => batch == 0 ? 0 : piece.Size / batch;

    /// <summary>Each piece's gradient: its columns of <paramref name="g"/> <c>[B, Σ size_k]</c>, in its own shape.</summary>
    private static Tensor?[] Backward(Tensor[] pieces, Tensor g)
    {
        var gv = g.Values;
        int batch = g.Dim(0), width = g.Dim(1);
        var grads = Tensor.GradientSlots(pieces.Length);
        for (int k = 0, at = 0; k < pieces.Length; k++)
        {
            int size = RowSize(pieces[k], batch);
            if (pieces[k].RequiresGrad)
            {
                var d = Tensor.BackwardBuffer(pieces[k].Shape);
                for (int r = 0; r < batch; r++) gv.Slice(r * width + at, size).CopyTo(d.Data.Slice(r * size, size));
                grads[k] = d;
            }
            at += size;
        }
        return grads;
    }
}
