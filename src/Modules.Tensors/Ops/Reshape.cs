namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The same elements under a new shape (no copy). One dimension may be -1 and is then inferred.
    /// </summary>
    public Tensor Reshape(params int[] newShape)
    {
        Span<int> target = newShape.Length <= 8 ? stackalloc int[newShape.Length] : new int[newShape.Length];
        newShape.CopyTo(target);
        int infer = target.IndexOf(-1);
        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < target.Length; i++) if (i != infer) known *= target[i];
            if (known == 0 || Size % known != 0)
                throw new ShapeMismatchException("Reshape", Shape, newShape, "are incompatible (cannot infer the -1 dimension)");
            target[infer] = Size / known;
        }
        if (ShapeUtil.SizeOf(target) != Size)
            throw new ShapeMismatchException("Reshape", Shape, newShape, $"have different sizes ({Size} vs {ShapeUtil.SizeOf(target)})");
        return View(ShapeUtil.Shared(target));
    }

    /// <summary>
    /// This tensor's elements under <paramref name="target"/>, a shape of the same size that the new tensor keeps
    /// (so the caller must not change it): the unchecked core of <see cref="Reshape"/>, <see cref="Unsqueeze"/> and
    /// <see cref="Squeeze"/>.
    /// </summary>
    internal Tensor View(int[] target)
    {
        var view = new Tensor(this, offset, target);
        return Records(this) ? RecordView(view, this) : view;
    }

    private static Tensor RecordView(Tensor view, Tensor source)
    {
        if (GradMode.Enabled && source.RequiresGrad) view.Attach(new ViewNode(source));
        return view;
    }

    /// <summary>Reorders the dimensions: result dim i is input dim <paramref name="axes"/>[i]. Copies.</summary>
    public Tensor Permute(params int[] axes)
    {
        if (axes.Length != Rank) throw new ArgumentException($"Permute: {axes.Length} axes for a tensor of shape {ShapeUtil.Format(shape)}");
        var seen = new bool[Rank];
        var norm = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            norm[i] = ShapeUtil.NormalizeAxis(axes[i], Rank, "Permute");
            if (seen[norm[i]]) throw new ArgumentException($"Permute: axis {axes[i]} repeated in [{string.Join(", ", axes)}]");
            seen[norm[i]] = true;
        }
        var outShape = new int[Rank];
        for (int i = 0; i < Rank; i++) outShape[i] = shape[norm[i]];
        var inStrides = ShapeUtil.Strides(shape);
        var permStrides = new int[Rank];
        for (int i = 0; i < Rank; i++) permStrides[i] = inStrides[norm[i]];
        var result = Uninitialized(outShape);
        CopyStrided(Values, result.Data, outShape, permStrides);
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[norm[i]] = i;
        var source = this;
        return result.WithGrad("Permute", source, g => source.AccumulateGrad(g.Permute(inverse)));
    }

    /// <summary>Swaps two dimensions (copies). <c>Transpose()</c> swaps the last two.</summary>
    public Tensor Transpose(int axis0 = -2, int axis1 = -1)
    {
        var axes = new int[Rank];
        for (int i = 0; i < axes.Length; i++) axes[i] = i;
        int a0 = ShapeUtil.NormalizeAxis(axis0, Rank, "Transpose"), a1 = ShapeUtil.NormalizeAxis(axis1, Rank, "Transpose");
        (axes[a0], axes[a1]) = (axes[a1], axes[a0]);
        return Permute(axes);
    }

    /// <summary>Copies elements read at the given strides into a contiguous destination of shape <paramref name="shape"/>.</summary>
    internal static void CopyStrided(ReadOnlySpan<float> src, Span<float> dst, int[] shape, int[] strides)
    {
        int rank = shape.Length;
        if (dst.Length == 0) return;
        if (rank == 0) { dst[0] = src[0]; return; }
        int run = shape[rank - 1], runStride = strides[rank - 1];
        var index = new int[rank - 1];
        int off = 0;
        for (int start = 0; start < dst.Length; start += run)
        {
            if (runStride == 1) src.Slice(off, run).CopyTo(dst.Slice(start, run));
            else for (int j = 0; j < run; j++) dst[start + j] = src[off + j * runStride];
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                off += strides[axis];
                if (++index[axis] < shape[axis]) break;
                off -= strides[axis] * shape[axis];
                index[axis] = 0;
            }
        }
    }
}
