using System.Numerics.Tensors;
using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules;

/// <summary>
/// The affine map <c>y = x·w + b</c> as single differentiable ops (one graph node each instead of a product and a
/// broadcast add): the kernel behind <see cref="Linear"/>, and a multi-head form that evaluates several linear heads
/// reading the same input with one matrix product (DeepMind's interface heads of the DNC memory).
/// </summary>
public static class Affine
{
    /// <summary>
    /// <c>x·w + b</c> for <paramref name="x"/> <c>[..., in]</c> (rank ≥ 2; leading dims are folded into rows),
    /// <paramref name="w"/> <c>[in, out]</c> and <paramref name="b"/> <c>[out]</c>; returns <c>[..., out]</c>.
    /// The backward pass gives <c>dx = g·wᵀ</c>, <c>dw = xᵀ·g</c> and <c>db = Σ_rows g</c>, each only when needed.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit.</exception>
    public static Tensor Apply(Tensor x, Tensor w, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(b);
        const string op = "Affine";
        if (x.Rank < 2 || w.Rank != 2 || x.Dim(-1) != w.Dim(0))
            throw new ShapeMismatchException(op, x.Shape, w.Shape, "need x [..., in] (rank ≥ 2) and w [in, out]");
        if (b.Rank != 1 || b.Dim(0) != w.Dim(1))
            throw new ShapeMismatchException(op, w.Shape, b.Shape, $"need the bias to be [{w.Dim(1)}]");
        int inputs = w.Dim(0), outputs = w.Dim(1), rows = 1;
        for (int d = 0; d < x.Rank - 1; d++) rows *= x.Dim(d);

        Tensor x2, product;
        using (Tensor.NoGrad())
        {
            // No gradient is recorded here (the op's own backward below is), so no Detach views are needed.
            x2 = x.Rank == 2 ? x : x.Reshape(rows, inputs);
            product = Tensor.MatMul(x2, w);
        }
        AddBiasToRows(product.Data, b.Values);
        var outputShape = x.ShapeArray();
        outputShape[^1] = outputs;
        Tensor result;
        using (Tensor.NoGrad()) result = x.Rank == 2 ? product : product.Reshape(outputShape);

        return Tensor.Custom(op, result, [x, w, b], x2, static (inputs, x2, g) => ApplyBackward(inputs[0], inputs[1], inputs[2], x2, g));
    }

    /// <summary>The backward pass of <see cref="Apply"/>: <c>dx = g·wᵀ</c> returned, <c>dw</c> and <c>db</c> accumulated in place.</summary>
    private static Tensor?[] ApplyBackward(Tensor x, Tensor w, Tensor b, Tensor x2, Tensor g)
    {
        int rows = x2.Dim(0), inputs = w.Dim(0), outputs = w.Dim(1);
        var g2 = g.Rank == 2 ? g : g.Reshape(rows, outputs);
        Tensor? dx = null;
        if (x.RequiresGrad)
        {
            dx = Tensor.BackwardBuffer(x.Shape);
            Tensor.MatMulInto(dx.Rank == 2 ? dx : dx.Reshape(rows, inputs), g2, w, transposeB: true);
        }
        Tensor.AccumulateMatMulGrad(w, x2, g2, transposeA: true); // straight into w's gradient: no temporary per step
        AccumulateRowSums(b, g2, outputs);
        var grads = Tensor.GradientSlots(3);
        grads[0] = dx;
        return grads;
    }

    /// <summary>
    /// <c>clip(concat(pieces)·w + b)</c> in one op: each piece <c>[B, ...]</c> is flattened to <c>[B, size_k]</c> and the
    /// rows are joined side by side (<c>Σ size_k = in</c>), so no concatenation or reshape op is recorded; with
    /// <paramref name="clip"/> &gt; 0 the result is limited to <c>[−clip, clip]</c> as <see cref="Tensor.Clamp"/> does
    /// (the gradient passes where the unclipped value lies within the bounds, inclusive). <paramref name="w"/> is
    /// <c>[in, out]</c>, <paramref name="b"/> <c>[out]</c>; returns <c>[B, out]</c>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The pieces' batch sizes differ or their sizes do not add up to w's rows.</exception>
    public static Tensor ApplyConcat(IReadOnlyList<Tensor> pieces, Tensor w, Tensor b, float clip = 0f)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(b);
        const string op = "Affine.ApplyConcat";
        if (pieces.Count == 0) throw new ArgumentException($"{op}: need at least one piece", nameof(pieces));
        if (pieces[0].Rank < 1) throw new ShapeMismatchException(op, "piece 0", [-1], pieces[0].Shape, " ([B, ...])");
        int batch = pieces[0].Dim(0), inputs = 0;
        for (int k = 0; k < pieces.Count; k++)
        {
            if (pieces[k].Rank < 1 || pieces[k].Dim(0) != batch)
                throw new ShapeMismatchException(op, pieces[0].Shape, pieces[k].Shape, $"piece {k}: need the same batch size {batch}");
            inputs += FlatConcat.RowSize(pieces[k], batch);
        }
        if (w.Rank != 2 || w.Dim(0) != inputs)
            throw new ShapeMismatchException(op, "w", [inputs, -1], w.Shape, $" (the pieces' {inputs} values per row by out)");
        int outputs = w.Dim(1);
        if (b.Rank != 1 || b.Dim(0) != outputs)
            throw new ShapeMismatchException(op, w.Shape, b.Shape, $"need the bias to be [{outputs}]");

        var x = Tensor.Allocate(batch, inputs);
        var joined = x.Data;
        for (int k = 0, at = 0; k < pieces.Count; k++)
        {
            var pv = pieces[k].Values;
            int size = FlatConcat.RowSize(pieces[k], batch);
            for (int r = 0; r < batch; r++) pv.Slice(r * size, size).CopyTo(joined.Slice(r * inputs + at, size));
            at += size;
        }
        Tensor raw;
        using (Tensor.NoGrad()) raw = Tensor.MatMul(x, w);
        AddBiasToRows(raw.Data, b.Values);
        var result = raw;
        if (clip > 0)
        {
            result = Tensor.Allocate(batch, outputs);
            TensorPrimitives.Clamp(raw.Values, -clip, clip, result.Data);
        }

        var opInputs = new Tensor[pieces.Count + 2];
        for (int k = 0; k < pieces.Count; k++) opInputs[k] = pieces[k];
        opInputs[^2] = w;
        opInputs[^1] = b;
        return Tensor.Custom(op, result, opInputs, (x, raw, clip), static (opInputs, saved, g) => ApplyConcatBackward(opInputs, saved.x, saved.raw, saved.clip, g));
    }

    /// <summary>
    /// The backward pass of <see cref="ApplyConcat"/> from the inputs (the pieces, then w and b), the joined rows
    /// <paramref name="x"/> <c>[B, in]</c> and the unclipped result <paramref name="raw"/> <c>[B, out]</c>.
    /// </summary>
    private static Tensor?[] ApplyConcatBackward(Tensor[] opInputs, Tensor x, Tensor raw, float clip, Tensor g)
    {
        int pieces = opInputs.Length - 2;
        Tensor w = opInputs[^2], b = opInputs[^1];
        int batch = x.Dim(0), inputs = x.Dim(1), outputs = w.Dim(1);
        var grads = Tensor.GradientSlots(opInputs.Length);
        var gm = g;
        if (clip > 0)
        {
            gm = Tensor.BackwardBuffer(batch, outputs);
            var masked = gm.Data;
            var gv = g.Values; var rv = raw.Values;
            for (int i = 0; i < masked.Length; i++) masked[i] = rv[i] >= -clip && rv[i] <= clip ? gv[i] : 0f;
        }
        bool anyPiece = false;
        for (int k = 0; k < pieces; k++) anyPiece |= opInputs[k].RequiresGrad;
        if (anyPiece)
        {
            var dJoinedTensor = Tensor.BackwardBuffer(batch, inputs);
            Tensor.MatMulInto(dJoinedTensor, gm, w, transposeB: true);
            var dJoined = dJoinedTensor.Values;   // [B, in]
            for (int k = 0, at = 0; k < pieces; k++)
            {
                var piece = opInputs[k];
                int size = FlatConcat.RowSize(piece, batch);
                if (piece.RequiresGrad)
                {
                    var d = Tensor.BackwardBuffer(piece.Shape);
                    for (int r = 0; r < batch; r++) dJoined.Slice(r * inputs + at, size).CopyTo(d.Data.Slice(r * size, size));
                    grads[k] = d;
                }
                at += size;
            }
        }
        Tensor.AccumulateMatMulGrad(w, x, gm, transposeA: true);
        AccumulateRowSums(b, gm, outputs);
        return grads;
    }

    /// <summary>
    /// Several linear heads on the same input in one op: head k maps <paramref name="x"/> <c>[B, in]</c> through
    /// <c>weights[k]</c> <c>[in, out_k]</c> and <c>biases[k]</c> <c>[out_k]</c> to a tensor shaped
    /// <c>[B, ..shapes[k]]</c>, whose trailing dims multiply to <c>out_k</c>. Computes exactly what
    /// <see cref="Apply"/> per head followed by a reshape computes, with one matrix product over the heads' weights
    /// side by side forward and one for the input gradient backward.
    /// </summary>
    /// <exception cref="ShapeMismatchException">A shape does not fit.</exception>
    public static Tensor[] ApplyHeads(Tensor x, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases, IReadOnlyList<int[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        ArgumentNullException.ThrowIfNull(shapes);
        const string op = "Affine.ApplyHeads";
        int heads = weights.Count;
        if (heads == 0 || biases.Count != heads || shapes.Count != heads)
            throw new ArgumentException($"{op}: need as many weights, biases and shapes (at least one), got {heads}, {biases.Count}, {shapes.Count}");
        if (x.Rank != 2) throw new ShapeMismatchException(op, "input", [-1, -1], x.Shape, " ([B, in])");
        int batch = x.Dim(0), inputs = x.Dim(1), total = 0;
        for (int k = 0; k < heads; k++)
        {
            var w = weights[k];
            if (w.Rank != 2 || w.Dim(0) != inputs)
                throw new ShapeMismatchException(op, x.Shape, w.Shape, $"head {k}: need w [{inputs}, out]");
            int size = w.Dim(1), product = 1;
            foreach (int d in shapes[k]) product *= d;
            if (biases[k].Rank != 1 || biases[k].Dim(0) != size)
                throw new ShapeMismatchException(op, w.Shape, biases[k].Shape, $"head {k}: need the bias to be [{size}]");
            if (product != size)
                throw new ShapeMismatchException(op, $"head {k}'s output shape", [size], shapes[k], $" (its {size} outputs, in any shape of that size)");
            total += size;
        }

        // The heads' weights side by side, [in, total]: one product instead of one per head.
        var joinedWeights = Tensor.Allocate(inputs, total);
        var joined = joinedWeights.Data;
        for (int k = 0, at = 0; k < heads; k++)
        {
            var wk = weights[k].Values;
            int size = weights[k].Dim(1);
            for (int r = 0; r < inputs; r++) wk.Slice(r * size, size).CopyTo(joined.Slice(r * total + at, size));
            at += size;
        }
        Tensor flat;
        using (Tensor.NoGrad()) flat = Tensor.MatMul(x, joinedWeights);
        var flatValues = flat.Values;
        var outputs = new Tensor[heads];
        int maxRank = 0;
        for (int k = 0; k < heads; k++) maxRank = Math.Max(maxRank, shapes[k].Length);   // by index: no enumerator per call
        Span<int> shapeBuffer = maxRank < 8 ? stackalloc int[8] : new int[1 + maxRank];
        for (int k = 0, at = 0; k < heads; k++)
        {
            int size = weights[k].Dim(1);
            var headShape = shapeBuffer[..(1 + shapes[k].Length)];
            headShape[0] = batch;
            shapes[k].CopyTo(headShape[1..]);
            var head = Tensor.Allocate(headShape);
            var data = head.Data;
            for (int r = 0; r < batch; r++) flatValues.Slice(r * total + at, size).CopyTo(data.Slice(r * size, size));
            AddBiasToRows(data, biases[k].Values);
            outputs[k] = head;
            at += size;
        }

        var inputsOfOp = new Tensor[1 + 2 * heads];
        inputsOfOp[0] = x;
        for (int k = 0; k < heads; k++) { inputsOfOp[1 + k] = weights[k]; inputsOfOp[1 + heads + k] = biases[k]; }
        Tensor.Custom(op, outputs, inputsOfOp, joinedWeights, ApplyHeadsBackward);   // a static backward: no closure or delegate per call
        return outputs;
    }

    /// <summary>
    /// The backward pass of <see cref="ApplyHeads"/> from the inputs (x, the heads' weights, then their biases), the joined
    /// weights <c>[in, total]</c> and the heads' output gradients (null for a head the loss does not use).
    /// </summary>
    private static Tensor?[] ApplyHeadsBackward(Tensor[] opInputs, Tensor joinedWeights, Tensor?[] grads)
    {
        var x = opInputs[0];
        int heads = grads.Length, batch = x.Dim(0), inputs = x.Dim(1), total = joinedWeights.Dim(1);
        var result = Tensor.GradientSlots(opInputs.Length);
        var gradFlatTensor = Tensor.BackwardBuffer(batch, total); // zero where a head's output was not used
        var gradFlat = gradFlatTensor.Data;
        for (int k = 0, at = 0; k < heads; k++)
        {
            Tensor weight = opInputs[1 + k], bias = opInputs[1 + heads + k];
            int size = weight.Dim(1);
            if (grads[k] is { } gk)
            {
                var gv = gk.Values;
                for (int r = 0; r < batch; r++) gv.Slice(r * size, size).CopyTo(gradFlat.Slice(r * total + at, size));
                // Straight into the gradients, with the head's output [B, dims...] read as [B, size]: no view, no temporary.
                weight.AccumulateGrad((x, gk, inputs, size, batch), static (s, target, accumulate) =>
                    Gemm.Multiply(s.x.Values, s.gk.Values, target, s.inputs, s.size, s.batch, true, false, accumulate));
                AccumulateRowSums(bias, gk, size);
            }
            at += size;
        }
        if (x.RequiresGrad)
        {
            result[0] = Tensor.BackwardBuffer(batch, inputs);
            Tensor.MatMulInto(result[0]!, gradFlatTensor, joinedWeights, transposeB: true);
        }
        return result;
    }

    /// <summary>Adds <paramref name="bias"/> to every row of <paramref name="rows"/> (row length = the bias length).</summary>
    internal static void AddBiasToRows(Span<float> rows, ReadOnlySpan<float> bias)
    {
        int n = bias.Length;
        if (n == 0) return;
        for (int start = 0; start < rows.Length; start += n)
        {
            var row = rows.Slice(start, n);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>
    /// Adds the column sums of <paramref name="rows"/> (a bias's gradient: [rows, columns] summed over the rows) to
    /// <paramref name="bias"/>'s gradient, computed into the gradient buffer instead of a tensor of its own. The sums are
    /// formed first and then added, in the order the engine would add a returned gradient.
    /// </summary>
    internal static void AccumulateRowSums(Tensor bias, Tensor rows, int columns) =>
        bias.AccumulateGrad((rows, columns), static (s, target, accumulate) =>
        {
            var values = s.rows.Values;
            int n = s.columns;
            if (!accumulate)
            {
                target.Clear();
                if (n > 0) AddRows(values, n, target);
                return;
            }
            var buffer = n <= 1024 ? null : Tensor.BackwardBuffer(n);
            Span<float> sum = buffer is null ? stackalloc float[n] : buffer.Data;
            sum.Clear();
            if (n > 0) AddRows(values, n, sum);
            TensorPrimitives.Add(target, sum, target);
        });

    private static void AddRows(ReadOnlySpan<float> rows, int columns, Span<float> sum)
    {
        for (int start = 0; start < rows.Length; start += columns)
            TensorPrimitives.Add(sum, rows.Slice(start, columns), sum);
    }
}
