using Modules.Tensors;

namespace Modules;

/// <summary>
/// Applies a batch-wise computation to a tensor with several leading batch-like dimensions (Sonnet's
/// <c>BatchApply</c>): <c>[T, B, ...]</c> is folded to <c>[T·B, ...]</c>, passed through, and unfolded.
/// </summary>
public static class BatchApply
{
    /// <summary>
    /// Folds the first <paramref name="leadingDims"/> dims of <paramref name="input"/> <c>[d0, …, dk-1, ...]</c> into one,
    /// applies <paramref name="f"/> (which must keep that folded dim first), and returns <c>[d0, …, dk-1, out...]</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> has fewer than <paramref name="leadingDims"/> dims, or <paramref name="f"/> changed the folded dim.</exception>
    public static Tensor Apply(Func<Tensor, Tensor> f, Tensor input, int leadingDims = 2)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(input);
        if (leadingDims < 1 || input.Rank < leadingDims)
            throw new ArgumentException($"BatchApply: cannot fold {leadingDims} leading dims of shape {Module.Format(input.Shape)}", nameof(leadingDims));
        var shape = input.ShapeArray();
        var leading = shape[..leadingDims];
        int folded = 1;
        foreach (var d in leading) folded *= d;
        var output = f(input.Reshape([folded, .. shape[leadingDims..]]));
        if (output.Rank < 1 || output.Dim(0) != folded)
            throw new ArgumentException($"BatchApply: the function returned shape {Module.Format(output.Shape)}, whose first dim should be {folded}");
        return output.Reshape([.. leading, .. output.ShapeArray()[1..]]);
    }

    /// <summary>Applies <paramref name="module"/>'s <c>Forward</c> to <paramref name="input"/> <c>[T, B, ...]</c> (see <see cref="Apply(Func{Tensor, Tensor}, Tensor, int)"/>).</summary>
    public static Tensor Apply(IModule<Tensor, Tensor> module, Tensor input, int leadingDims = 2)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Apply(module.Forward, input, leadingDims);
    }
}
