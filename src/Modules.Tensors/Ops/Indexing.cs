namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Picks elements along <paramref name="axis"/> by index, like <c>torch.gather</c>: for axis 1 of a rank-3 input,
    /// out[i, j, k] = t[i, indices[i, j, k], k]. <paramref name="indices"/> holds the positions in row-major order for an
    /// index shape of the input's rank, each dim no larger than the input's (except along the axis); the result has that shape.
    /// When <paramref name="indexShape"/> is null it is the input's shape with the axis length inferred from the count.
    /// Differentiable in <paramref name="t"/>: the gradient is added back to the picked positions.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside the axis.</exception>
    public static Tensor Gather(Tensor t, int axis, int[] indices, int[]? indexShape = null)
    {
        const string op = "Gather";
        int ax = ShapeUtil.NormalizeAxis(axis, t.Rank, op);
        var outShape = indexShape is null ? InferIndexShape(op, t.shape, ax, indices.Length) : indexShape.AsSpan().ToArray();
        var offsets = IndexOffsets(op, t.shape, ax, indices, outShape);
        var result = Uninitialized(outShape);
        var x = t.Values; var r = result.Data;
        for (int p = 0; p < offsets.Length; p++) r[p] = x[offsets[p]];
        return Records(t) ? RecordGather(result, t, offsets) : result;
    }

    /// <summary>The backward of a gather: the gradient is added back at the picked positions.</summary>
    private static Tensor RecordGather(Tensor result, Tensor t, int[] offsets) =>
        result.WithGrad("Gather", t, offsets, static (s, d, acc) =>
        {
            if (!acc) d.Clear();
            var gv = s.Grad.Values;
            var offsets = s.State;
            for (int p = 0; p < offsets.Length; p++) d[offsets[p]] += gv[p];
        });

    /// <summary>
    /// <see cref="Gather(Tensor, int, int[], int[])"/> with the indices given as a tensor of whole numbers;
    /// the result has the index tensor's shape.
    /// </summary>
    public static Tensor Gather(Tensor t, int axis, Tensor indices) => Gather(t, axis, ToIndices("Gather", indices), indices.ShapeArray());

    /// <inheritdoc cref="Gather(Tensor, int, int[], int[])"/>
    public Tensor Gather(int axis, int[] indices, int[]? indexShape = null) => Gather(this, axis, indices, indexShape);

    /// <summary>
    /// Writes <paramref name="source"/> into a copy of <paramref name="target"/> along <paramref name="axis"/>, like
    /// <c>torch.scatter</c>: for axis 1 of a rank-3 source, out[i, indices[i, j, k], k] = source[i, j, k]. The indices have
    /// the source's shape (row-major); the source's dims may not exceed the target's except along the axis. When an index
    /// repeats, the last write wins. Differentiable in both: each output position's gradient goes to whichever of
    /// source or target supplied its value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside the target's axis.</exception>
    public static Tensor Scatter(Tensor source, int axis, int[] indices, Tensor target)
    {
        const string op = "Scatter";
        int ax = ShapeUtil.NormalizeAxis(axis, target.Rank, op);
        if (indices.Length != source.Size)
            throw new ArgumentException($"{op}: {indices.Length} indices for a source of shape {ShapeUtil.Format(source.shape)}");
        var offsets = IndexOffsets(op, target.shape, ax, indices, source.shape);
        var result = target.Clone();
        var writer = new int[result.Size];
        Array.Fill(writer, -1);
        var s = source.Values; var r = result.Data;
        for (int p = 0; p < offsets.Length; p++) { r[offsets[p]] = s[p]; writer[offsets[p]] = p; }
        return result.WithGrad(op, [source, target], g =>
        {
            var gv = g.Values;
            if (source.RequiresGrad)
            {
                var ds = Zeros(source.ShapeArray()); var d = ds.Data;
                for (int p = 0; p < offsets.Length; p++) if (writer[offsets[p]] == p) d[p] = gv[offsets[p]];
                source.AccumulateGrad(ds);
            }
            if (target.RequiresGrad)
            {
                var dt = Empty(target.ShapeArray()); var d = dt.Data;
                for (int i = 0; i < d.Length; i++) d[i] = writer[i] < 0 ? gv[i] : 0f;
                target.AccumulateGrad(dt);
            }
        });
    }

    /// <summary><see cref="Scatter(Tensor, int, int[], Tensor)"/> into zeros of the given <paramref name="shape"/>.</summary>
    public static Tensor Scatter(Tensor source, int axis, int[] indices, int[] shape) => Scatter(source, axis, indices, Zeros(shape));

    /// <summary><see cref="Scatter(Tensor, int, int[], Tensor)"/> with the indices given as a tensor of whole numbers (of the source's shape).</summary>
    public static Tensor Scatter(Tensor source, int axis, Tensor indices, Tensor target)
    {
        ShapeUtil.RequireSame("Scatter", source.shape, indices.shape);
        return Scatter(source, axis, ToIndices("Scatter", indices), target);
    }

    /// <summary>
    /// Like <see cref="Scatter(Tensor, int, int[], Tensor)"/> but adds instead of overwriting, so repeated indices
    /// accumulate: out = target; out[…, indices[p], …] += source[p].
    /// </summary>
    public static Tensor ScatterAdd(Tensor source, int axis, int[] indices, Tensor target)
    {
        const string op = "ScatterAdd";
        int ax = ShapeUtil.NormalizeAxis(axis, target.Rank, op);
        if (indices.Length != source.Size)
            throw new ArgumentException($"{op}: {indices.Length} indices for a source of shape {ShapeUtil.Format(source.shape)}");
        var offsets = IndexOffsets(op, target.shape, ax, indices, source.shape);
        var result = target.Clone();
        var s = source.Values; var r = result.Data;
        for (int p = 0; p < offsets.Length; p++) r[offsets[p]] += s[p];
        return result.WithGrad(op, [source, target], g =>
        {
            var gv = g.Values;
            if (source.RequiresGrad)
            {
                var ds = Empty(source.ShapeArray()); var d = ds.Data;
                for (int p = 0; p < offsets.Length; p++) d[p] = gv[offsets[p]];
                source.AccumulateGrad(ds);
            }
            target.AccumulateGrad(g);
        });
    }

    /// <summary>The input's shape with the axis length set so that the shape holds <paramref name="count"/> elements.</summary>
    private static int[] InferIndexShape(string op, int[] shape, int axis, int count)
    {
        var result = shape.AsSpan().ToArray();
        int others = 1;
        for (int d = 0; d < shape.Length; d++) if (d != axis) others *= shape[d];
        if (others == 0 ? count != 0 : count % others != 0)
            throw new ArgumentException($"{op}: {count} indices do not fill shape {ShapeUtil.Format(shape)} along axis {axis}");
        result[axis] = others == 0 ? 0 : count / others;
        return result;
    }

    /// <summary>
    /// For each position p of an index array of shape <paramref name="indexShape"/>, the flat offset in a tensor of shape
    /// <paramref name="shape"/> of the element at p's coordinates with the axis coordinate replaced by indices[p].
    /// </summary>
    private static int[] IndexOffsets(string op, int[] shape, int axis, int[] indices, int[] indexShape)
    {
        if (indexShape.Length != shape.Length)
            throw new ShapeMismatchException(op, shape, indexShape, "differ in rank (index shape second)");
        for (int d = 0; d < shape.Length; d++)
            if (d != axis && indexShape[d] > shape[d])
                throw new ShapeMismatchException(op, shape, indexShape, $"do not fit: index dim {d} is larger (index shape second)");
        if (indices.Length != ShapeUtil.SizeOf(indexShape))
            throw new ArgumentException($"{op}: {indices.Length} indices for index shape {ShapeUtil.Format(indexShape)}");
        var strides = ShapeUtil.Strides(shape);
        var offsets = new int[indices.Length];
        int rank = shape.Length, len = shape[axis], axisStride = strides[axis];
        var coord = new int[rank];
        int baseOffset = 0; // offset of the current coordinates with the axis coordinate left out
        for (int p = 0; p < indices.Length; p++)
        {
            int k = indices[p];
            if ((uint)k >= (uint)len)
                throw new ArgumentOutOfRangeException(nameof(indices), $"{op}: index {k} at position {p} is out of range for axis {axis} of shape {ShapeUtil.Format(shape)}");
            offsets[p] = baseOffset + k * axisStride;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++coord[d] < indexShape[d]) { if (d != axis) baseOffset += strides[d]; break; }
                if (d != axis) baseOffset -= strides[d] * (indexShape[d] - 1);
                coord[d] = 0;
            }
        }
        return offsets;
    }

    /// <summary>The elements of an index tensor as integers; each must be a whole number.</summary>
    private static int[] ToIndices(string op, Tensor indices)
    {
        var v = indices.Values;
        var result = new int[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            result[i] = (int)v[i];
            if (result[i] != v[i]) throw new ArgumentException($"{op}: index tensor holds {v[i]} at position {i}, which is not a whole number");
        }
        return result;
    }
}
