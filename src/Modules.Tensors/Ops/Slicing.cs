using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The elements at positions [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) along
    /// <paramref name="axis"/> (copied); the other dims are unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the axis.</exception>
    public Tensor Slice(int axis, int start, int length)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Slice");
        if (start < 0 || length < 0 || (long)start + length > shape[ax])
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: range [{start}, {(long)start + length}) is outside axis {axis} of shape {ShapeUtil.Format(shape)}");
        Span<int> outShape = Rank <= 8 ? stackalloc int[Rank] : new int[Rank];
        shape.CopyTo(outShape);
        outShape[ax] = length;
        return SliceAs(ax, start, length, ShapeUtil.Shared(outShape));
    }

    /// <summary>The checked range of <see cref="Slice"/> as a tensor of <paramref name="resultShape"/> (the slice's shape, or that without the axis).</summary>
    private Tensor SliceAs(int ax, int start, int length, int[] resultShape)
    {
        var (outer, len, inner) = Split3(ax);
        var result = Uninitialized(resultShape);
        var x = Values; var r = result.Data;
        int run = length * inner;
        for (int o = 0; o < outer; o++)
            x.Slice((o * len + start) * inner, run).CopyTo(r.Slice(o * run, run));
        return Records(this) ? RecordSlice(result, this, outer, len * inner, start * inner, run) : result;
    }

    /// <summary>
    /// Records the backward of taking, from each of <paramref name="outer"/> blocks of <paramref name="block"/> elements,
    /// the run of <paramref name="run"/> elements at <paramref name="at"/>: the gradient goes back into those runs.
    /// </summary>
    private static Tensor RecordSlice(Tensor result, Tensor source, int outer, int block, int at, int run) =>
        result.WithGrad("Slice", source, (outer, block, at, run), static (s, t, acc) =>
        {
            var (outer, block, at, run) = s.State;
            if (!acc && run != block) t.Clear();
            AddRuns(s.Grad.Values, t, outer, block, at, run, acc);
        });

    /// <summary>
    /// Puts consecutive runs of <paramref name="source"/> (each <paramref name="run"/> long) at offset <paramref name="at"/>
    /// of each of <paramref name="outer"/> blocks of <paramref name="block"/> elements in <paramref name="target"/>,
    /// adding when <paramref name="add"/>, copying otherwise.
    /// </summary>
    private static void AddRuns(ReadOnlySpan<float> source, Span<float> target, int outer, int block, int at, int run, bool add)
    {
        for (int o = 0; o < outer; o++)
        {
            var src = source.Slice(o * run, run); var dst = target.Slice(o * block + at, run);
            if (add) TensorPrimitives.Add(dst, src, dst);
            else src.CopyTo(dst);
        }
    }

    /// <summary>
    /// Takes the run at <paramref name="at"/> of each block of <paramref name="source"/> (the reverse of
    /// <see cref="AddRuns"/>), copying or adding into the contiguous <paramref name="target"/>.
    /// </summary>
    private static void TakeRuns(ReadOnlySpan<float> source, Span<float> target, int outer, int block, int at, int run, bool add)
    {
        for (int o = 0; o < outer; o++)
        {
            var src = source.Slice(o * block + at, run); var dst = target.Slice(o * run, run);
            if (add) TensorPrimitives.Add(dst, src, dst);
            else src.CopyTo(dst);
        }
    }

    /// <summary>
    /// The sub-tensor at position <paramref name="index"/> of <paramref name="axis"/>, with that axis removed (copied):
    /// [a, b, c].Select(1, i) → [a, c]. Negative indices count from the end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The index lies outside the axis.</exception>
    public Tensor Select(int axis, int index)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Select");
        int i = index < 0 ? index + shape[ax] : index;
        if (i < 0 || i >= shape[ax])
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} is outside axis {axis} of shape {ShapeUtil.Format(shape)}");
        return Slice(ax, i, 1).Squeeze(ax);
    }

    /// <summary>
    /// Splits along <paramref name="axis"/> into its slices, each with that axis removed: the inverse of
    /// <see cref="Stack(int, Tensor[])"/>. [a, n, b].Unstack(1) → n tensors of shape [a, b].
    /// </summary>
    public Tensor[] Unstack(int axis)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Unstack");
        var parts = new Tensor[shape[ax]];
        var partShape = DropAxis(shape, ax);   // each part is one slice without the axis: no squeezed view
        for (int i = 0; i < parts.Length; i++) parts[i] = SliceAs(ax, i, 1, partShape);
        return parts;
    }

    /// <summary>Inserts a dim of size 1 at <paramref name="axis"/> (in [−rank−1, rank]); no copy. [a, b] at 1 → [a, 1, b].</summary>
    public Tensor Unsqueeze(int axis)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank + 1, "Unsqueeze");
        Span<int> newShape = Rank < 8 ? stackalloc int[Rank + 1] : new int[Rank + 1];
        for (int i = 0, j = 0; i < newShape.Length; i++) newShape[i] = i == ax ? 1 : shape[j++];
        return View(ShapeUtil.Shared(newShape));
    }

    /// <summary>Removes the size-1 dim at <paramref name="axis"/>; no copy. [a, 1, b] at 1 → [a, b].</summary>
    /// <exception cref="ArgumentException">That dim is not of size 1.</exception>
    public Tensor Squeeze(int axis)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Squeeze");
        if (shape[ax] != 1)
            throw new ArgumentException($"Squeeze: axis {axis} of shape {ShapeUtil.Format(shape)} has size {shape[ax]}, not 1");
        return View(DropAxis(shape, ax));
    }

    /// <summary>
    /// Broadcasts this tensor to <paramref name="newShape"/> (copied), following NumPy rules: dims are aligned at the
    /// right, a size-1 dim repeats, new leading dims are added, and −1 keeps a dim as it is. The gradient sums back.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shape cannot be broadcast to <paramref name="newShape"/>.</exception>
    public Tensor Expand(params int[] newShape)
    {
        const string op = "Expand";
        if (newShape.Length < Rank) throw new ShapeMismatchException(op, Shape, newShape, "cannot be broadcast (target has lower rank)");
        var target = newShape.AsSpan().ToArray();
        int lead = target.Length - Rank;
        for (int i = 0; i < target.Length; i++)
        {
            int own = i < lead ? 1 : shape[i - lead];
            if (target[i] == -1 && i >= lead) target[i] = own;
            if (target[i] < 0 || (own != 1 && own != target[i]))
                throw new ShapeMismatchException(op, Shape, newShape, "cannot be broadcast");
        }
        var result = Uninitialized(target);
        CopyStrided(Values, result.Data, target, ShapeUtil.BroadcastStrides(shape, target));
        return Records(this) ? RecordExpand(result, this) : result;
    }

    private static Tensor RecordExpand(Tensor result, Tensor source) =>
        result.WithGrad("Expand", source, source.shape, static (s, t, acc) =>
            Broadcasting.SumInto(s.Grad.Values, s.Grad.ShapeRef, t, s.State, 1f, acc));
}
