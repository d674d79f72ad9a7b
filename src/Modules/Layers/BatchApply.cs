using Modules.Tensors;

namespace Modules;

/// <summary>
/// Sonnet's BatchApply: applies a function written for one batch dimension to a tensor with several leading
/// dimensions (e.g. time and batch) by folding them into one, <c>[T, B, ...] → [T·B, ...]</c>, and unfolding the
/// result, <c>[T·B, ...out] → [T, B, ...out]</c>. Adds no module of its own, so parameter paths are unchanged.
/// </summary>
public static class BatchApply
{
    /// <summary>
    /// Applies <paramref name="function"/> (e.g. <c>linear.Forward</c>) to <paramref name="input"/> with its first
    /// <paramref name="foldedDims"/> dimensions folded into one. The function must keep the folded batch as its
    /// output's first dimension. Gradients flow through (the folds are reshapes).
    /// </summary>
    /// <param name="function">Maps <c>[N, ...]</c> to <c>[N, ...out]</c>.</param>
    /// <param name="input">Shaped <c>[d0, …, d(k−1), ...]</c> with k = <paramref name="foldedDims"/>.</param>
    /// <param name="foldedDims">How many leading dimensions to fold (default 2: time and batch); at least 1.</param>
    /// <returns>Shaped <c>[d0, …, d(k−1), ...out]</c>.</returns>
    public static Tensor Apply(Func<Tensor, Tensor> function, Tensor input, int foldedDims = 2)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(input);
        if (foldedDims < 1 || foldedDims > input.Rank)
            throw new ArgumentOutOfRangeException(nameof(foldedDims), foldedDims,
                $"BatchApply: cannot fold {foldedDims} leading dimensions of an input shaped {ShapeUtil.Format(input.Shape)}");
        var shape = input.ShapeArray();
        var leading = shape[..foldedDims];
        int folded = 1;
        foreach (int d in leading) folded *= d;
        var output = function(input.Reshape([folded, .. shape[foldedDims..]]));
        if (output.Rank == 0 || output.Dim(0) != folded)
        {
            int[] expected = [folded, .. output.ShapeArray().Skip(1)];
            throw new ShapeMismatchException("BatchApply", "the function's output", expected, output.Shape, $" (the folded batch of {folded} first)");
        }
        return output.Reshape([.. leading, .. output.ShapeArray()[1..]]);
    }

    /// <summary>Applies <paramref name="module"/>'s <c>Forward</c> with the leading dims folded (see <see cref="Apply(Func{Tensor, Tensor}, Tensor, int)"/>).</summary>
    public static Tensor Apply(IModule<Tensor, Tensor> module, Tensor input, int foldedDims = 2)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Apply(module.Forward, input, foldedDims);
    }
}
