namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Sorts along <paramref name="axis"/>. Returns the sorted values (the input's shape) and, for each of them, its
    /// position along the axis in the input (row-major, the same shape). The sort is stable: equal values keep their
    /// order, lower index first, in both directions. NaN counts as the smallest value. The values are differentiable:
    /// their gradient is scattered back through the indices. Pass the indices to
    /// <see cref="Gather(Tensor, int, int[], int[])"/> or <see cref="Scatter(Tensor, int, int[], Tensor)"/> to apply
    /// or undo the permutation on other tensors.
    /// </summary>
    public static (Tensor Values, int[] Indices) Sort(Tensor t, int axis = -1, bool descending = false)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, t.Rank, "Sort");
        var indices = SortedIndices(t, ax, descending, t.shape[ax]);
        return (Gather(t, ax, indices, t.ShapeArray()), indices);
    }

    /// <inheritdoc cref="Sort(Tensor, int, bool)"/>
    public (Tensor Values, int[] Indices) Sort(int axis = -1, bool descending = false) => Sort(this, axis, descending);

    /// <summary>
    /// The <paramref name="k"/> largest (or, when not <paramref name="largest"/>, smallest) elements along
    /// <paramref name="axis"/>, in sorted order (largest first, or smallest first), with their positions along the axis.
    /// Ties go to the lower index first. The result's axis has length k; values are differentiable.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">k is negative or exceeds the axis length.</exception>
    public static (Tensor Values, int[] Indices) TopK(Tensor t, int k, int axis = -1, bool largest = true)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, t.Rank, "TopK");
        if (k < 0 || k > t.shape[ax])
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} is outside [0, {t.shape[ax]}] for axis {axis} of shape {ShapeUtil.Format(t.shape)}");
        var indices = SortedIndices(t, ax, largest, k);
        var outShape = t.ShapeArray();
        outShape[ax] = k;
        return (Gather(t, ax, indices, outShape), indices);
    }

    /// <inheritdoc cref="TopK(Tensor, int, int, bool)"/>
    public (Tensor Values, int[] Indices) TopK(int k, int axis = -1, bool largest = true) => TopK(this, k, axis, largest);

    /// <summary>For every lane along the axis, the first <paramref name="keep"/> positions of its stable sort.</summary>
    private static int[] SortedIndices(Tensor t, int axis, bool descending, int keep)
    {
        var (outer, len, inner) = t.Split3(axis);
        var result = new int[outer * keep * inner];
        var x = t.Values;
        var keys = new float[len];
        var order = new int[len];
        // Comparing the original positions on ties makes the (unstable) introsort produce the stable order.
        Comparison<int> compare = descending
            ? (i, j) => { int c = keys[j].CompareTo(keys[i]); return c != 0 ? c : i.CompareTo(j); }
            : (i, j) => { int c = keys[i].CompareTo(keys[j]); return c != 0 ? c : i.CompareTo(j); };
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int lane = o * len * inner + i;
                for (int l = 0; l < len; l++) { keys[l] = x[lane + l * inner]; order[l] = l; }
                order.AsSpan().Sort(compare);
                for (int l = 0; l < keep; l++) result[(o * keep + l) * inner + i] = order[l];
            }
        return result;
    }
}
