using System.ComponentModel;
using Modules.Tensors;

namespace Modules;

/// <summary>Run-time support for generated <see cref="PartsAttribute"/> code: checked splitting of a flat vector into parts.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlatParts
{
    /// <summary>
    /// Cuts <paramref name="flat"/> <c>[B, sum(sizes)]</c> into consecutive blocks <c>[B, sizes[i]]</c>;
    /// throws <see cref="ShapeMismatchException"/> naming <paramref name="owner"/> when the width is wrong.
    /// </summary>
    public static Tensor[] Split(Tensor flat, int[] sizes, string owner)
    {
        ArgumentNullException.ThrowIfNull(flat);
        int total = sizes.Sum();
        if (flat.Rank != 2 || flat.Dim(1) != total)
            throw new ShapeMismatchException($"{owner}.Split", "input", [flat.Rank > 0 ? flat.Dim(0) : 1, total], flat.Shape, " ([B, parameter size])");
        return flat.Split(1, sizes);
    }

    /// <summary>Checks that part <paramref name="index"/> (<paramref name="name"/>) is <c>[B, size]</c> and reshapes it to <c>[B, dims...]</c>.</summary>
    public static Tensor Shape(IReadOnlyList<Tensor> parts, int index, int batch, int size, int[] dims, string owner, string name)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var part = parts[index];
        if (part.Rank != 2 || part.Dim(0) != batch || part.Dim(1) != size)
            throw new ShapeMismatchException($"{owner}.FromParts", $"part {name}", [batch, size], part.Shape);
        return part.Reshape([batch, .. dims]);
    }

    /// <summary>Throws unless <paramref name="parts"/> holds <paramref name="expected"/> tensors.</summary>
    public static void RequireCount(IReadOnlyList<Tensor> parts, int expected, string owner)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count != expected)
            throw new ArgumentException($"{owner}.FromParts: expected {expected} parts, got {parts.Count}");
    }
}
