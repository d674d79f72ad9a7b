namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Joins tensors end to end along an existing <paramref name="axis"/>. All must have the same rank and the
    /// same dims except along the axis; the result's axis length is the sum of theirs.
    /// </summary>
    /// <exception cref="ShapeMismatchException">Two tensors differ in rank or in a dim other than the axis.</exception>
    public static Tensor Concat(int axis, params Tensor[] tensors)
    {
        const string op = "Concat";
        if (tensors.Length == 0) throw new ArgumentException($"{op}: needs at least one tensor");
        var first = tensors[0];
        int ax = ShapeUtil.NormalizeAxis(axis, first.Rank, op);
        var outShape = first.ShapeArray();
        outShape[ax] = 0;
        foreach (var t in tensors)
        {
            if (t.Rank != first.Rank)
                throw new ShapeMismatchException(op, first.Shape, t.Shape, "have different ranks");
            for (int d = 0; d < first.Rank; d++)
                if (d != ax && t.shape[d] != first.shape[d])
                    throw new ShapeMismatchException(op, first.Shape, t.Shape, $"differ outside axis {axis}");
            outShape[ax] += t.shape[ax];
        }
        var (outer, _, inner) = first.Split3(ax);
        return Join(op, tensors, ShapeUtil.Shared(outShape), ax, outer, inner, stacked: false);
    }

    /// <summary>
    /// The result of <see cref="Concat"/> (<paramref name="stacked"/> false: each input spans its own length along the axis)
    /// or <see cref="Stack"/> (true: each input is one position of the new axis), of <paramref name="outShape"/>, where
    /// <paramref name="outer"/> and <paramref name="inner"/> count the elements before and after the axis.
    /// </summary>
    private static Tensor Join(string op, Tensor[] tensors, int[] outShape, int ax, int outer, int inner, bool stacked)
    {
        int total = outShape[ax];
        var result = Uninitialized(outShape);
        var r = result.Data;
        int start = 0;
        foreach (var t in tensors)
        {
            int extent = stacked ? 1 : t.shape[ax];
            AddRuns(t.Values, r, outer, total * inner, start * inner, extent * inner, add: false);
            start += extent;
        }
        if (!GradMode.Enabled) return result;
        foreach (var t in tensors)
            if (t.RequiresGrad) return RecordJoin(result, op, tensors.AsSpan().ToArray(), ax, outer, total * inner, inner, stacked);
        return result;
    }

    /// <summary>Records the backward of a concatenation: each input takes its own runs of the gradient, without a slice in between.</summary>
    private static Tensor RecordJoin(Tensor result, string op, Tensor[] inputs, int ax, int outer, int block, int inner, bool stacked) =>
        result.WithGrad(op, inputs, g =>
        {
            int at = 0;
            foreach (var input in inputs)
            {
                int run = (stacked ? 1 : input.shape[ax]) * inner;
                input.AccumulateGrad((g, outer, block, at, run), static (s, t, acc) => TakeRuns(s.g.Values, t, s.outer, s.block, s.at, s.run, acc));
                at += run;
            }
        });

    /// <summary>
    /// Joins tensors of identical shape along a new <paramref name="axis"/> (in [−rank−1, rank]):
    /// n tensors of shape [a, b] stacked on axis 1 give [a, n, b].
    /// </summary>
    /// <exception cref="ShapeMismatchException">Two tensors have different shapes.</exception>
    public static Tensor Stack(int axis, params Tensor[] tensors)
    {
        const string op = "Stack";
        if (tensors.Length == 0) throw new ArgumentException($"{op}: needs at least one tensor");
        var first = tensors[0];
        int ax = ShapeUtil.NormalizeAxis(axis, first.Rank + 1, op);
        foreach (var t in tensors)
            if (!t.Shape.SequenceEqual(first.Shape)) throw new ShapeMismatchException(op, first.Shape, t.Shape);
        // Copied straight into place (no unsqueezed view of each input): the inputs' elements before the new axis are
        // the outer runs, those from it on one inner run each.
        Span<int> outShape = first.Rank < 8 ? stackalloc int[first.Rank + 1] : new int[first.Rank + 1];
        int outer = 1, inner = 1;
        for (int i = 0, j = 0; i < outShape.Length; i++)
        {
            if (i == ax) { outShape[i] = tensors.Length; continue; }
            outShape[i] = first.shape[j];
            if (j < ax) outer *= first.shape[j]; else inner *= first.shape[j];
            j++;
        }
        return Join(op, tensors, ShapeUtil.Shared(outShape), ax, outer, inner, stacked: true);
    }

    /// <summary>
    /// Cuts this tensor along <paramref name="axis"/> into consecutive pieces of the given lengths, which must add
    /// up to the axis length. Each piece keeps the other dims.
    /// </summary>
    public Tensor[] Split(int axis, params int[] sizes)
    {
        int ax = ShapeUtil.NormalizeAxis(axis, Rank, "Split");
        long total = 0;
        foreach (var s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: negative size in [{string.Join(", ", sizes)}]");
            total += s;
        }
        if (total != shape[ax])
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] add up to {total}, but axis {axis} of shape {ShapeUtil.Format(shape)} has length {shape[ax]}");
        var pieces = new Tensor[sizes.Length];
        int start = 0;
        for (int n = 0; n < sizes.Length; n++) { pieces[n] = Slice(ax, start, sizes[n]); start += sizes[n]; }
        return pieces;
    }
}
