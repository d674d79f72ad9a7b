namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// One-hot rows: shape [indices.Length, <paramref name="depth"/>] with out[i, indices[i]] = 1 and 0 elsewhere.
    /// Not differentiable (it is built from integers).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside [0, depth).</exception>
    public static Tensor OneHot(int[] indices, int depth)
    {
        if (depth < 0) throw new ArgumentOutOfRangeException(nameof(depth), $"OneHot: depth {depth} is negative");
        var result = Empty([indices.Length, depth]);
        var d = result.Data;
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)depth)
                throw new ArgumentOutOfRangeException(nameof(indices), $"OneHot: index {indices[i]} at position {i} is outside [0, {depth})");
            d[i * depth + indices[i]] = 1f;
        }
        return result;
    }

    /// <summary>
    /// One-hot encoding of a tensor of whole numbers: the result has the input's shape with a last dim of
    /// <paramref name="depth"/> appended. Not differentiable.
    /// </summary>
    public static Tensor OneHot(Tensor indices, int depth)
    {
        var shape = new int[indices.Rank + 1];
        indices.Shape.CopyTo(shape);
        shape[^1] = depth;
        return OneHot(ToIndices("OneHot", indices), depth).Reshape(shape);
    }
}
