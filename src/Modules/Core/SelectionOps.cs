using Modules.Tensors;

namespace Modules;

/// <summary>
/// Differentiable row/column selection and stacking built from matrix products with constant 0/1 matrices.
/// </summary>
/// <remarks>
/// Used by <see cref="DynamicRnn"/> and the generated <c>[Parts]</c> splitting until the tensor engine's
/// slice/stack ops are available to this layer; every method keeps exact values and gradients.
/// </remarks>
internal static class SelectionOps
{
    /// <summary>Row <paramref name="index"/> of <paramref name="x"/> <c>[T, ...]</c>, shaped <c>[...]</c>.</summary>
    public static Tensor Row(Tensor x, int index)
    {
        int rows = x.Dim(0);
        var rest = x.ShapeArray()[1..];
        var selector = Tensor.Zeros(1, rows);
        selector.Data[index] = 1f;
        return selector.MatMul(x.Reshape(rows, -1)).Reshape(rest);
    }

    /// <summary>Stacks equally shaped tensors <c>[...]</c> along a new leading axis: <c>[count, ...]</c>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> items)
    {
        int count = items.Count;
        var itemShape = items[0].ShapeArray();
        Tensor? result = null;
        for (int t = 0; t < count; t++)
        {
            if (!items[t].Shape.SequenceEqual(itemShape))
                throw new ShapeMismatchException("Stack", itemShape, items[t].Shape, $"differ (item {t})");
            var placer = Tensor.Zeros(count, 1);
            placer.Data[t] = 1f;
            var placed = placer.MatMul(items[t].Reshape(1, -1));
            result = result is null ? placed : result + placed;
        }
        return result!.Reshape([count, .. itemShape]);
    }

    /// <summary>Cuts <paramref name="flat"/> <c>[B, sum(sizes)]</c> into consecutive column blocks <c>[B, sizes[i]]</c>.</summary>
    public static Tensor[] SplitColumns(Tensor flat, int[] sizes)
    {
        int total = flat.Dim(1);
        var parts = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            var selector = Tensor.Zeros(total, sizes[i]);
            var s = selector.Data;
            for (int j = 0; j < sizes[i]; j++) s[(start + j) * sizes[i] + j] = 1f;
            parts[i] = flat.MatMul(selector);
            start += sizes[i];
        }
        return parts;
    }
}
