using System.Text;

namespace Modules.Tensors;

/// <summary>Shape arithmetic shared by the ops: sizes, strides, axes, broadcasting, and error texts.</summary>
internal static class ShapeUtil
{
    public static int SizeOf(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (var d in shape) size *= d;
        if (size > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has more than {int.MaxValue} elements");
        return (int)size;
    }

    /// <summary>How many shape arrays each thread keeps for <see cref="Shared"/> (a power of two), in pairs of slots.</summary>
    private const int SharedSlots = 256;

    [ThreadStatic] private static int[]?[]? sharedShapes;

    /// <summary>
    /// An array holding <paramref name="shape"/>: one this thread made before when it is still kept, else a new copy.
    /// Tensors never change the shape array they hold, so tensors of the same shape can share one; a step's ops ask for
    /// the same few dozen shapes over and over, and this spares an array each time. Kept in a table by a hash of the
    /// dimensions, two slots per hash (the newer first), so a lookup costs one or two comparisons.
    /// </summary>
    public static int[] Shared(ReadOnlySpan<int> shape)
    {
        var table = sharedShapes ??= new int[]?[SharedSlots];
        uint hash = (uint)shape.Length;
        foreach (int d in shape) hash = (hash ^ (uint)d) * 0x9E3779B1u;
        int slot = (int)(hash >> 24) & (SharedSlots - 2);
        if (table[slot] is { } first && shape.SequenceEqual(first)) return first;
        if (table[slot + 1] is { } second && shape.SequenceEqual(second)) return second;
        var copy = shape.ToArray();
        table[slot + 1] = table[slot];
        table[slot] = copy;
        return copy;
    }

    /// <summary>The one way shapes are written in messages: <c>[2, 3]</c>; with <paramref name="anyDimension"/> a negative dimension (any size) reads <c>?</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape, bool anyDimension = false)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            if (anyDimension && shape[i] < 0) sb.Append('?');
            else sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>A shape read from a file header, whose dimensions may exceed <see cref="int.MaxValue"/>: <c>[2, 3]</c>.</summary>
    public static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        return strides;
    }

    public static int NormalizeAxis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"{op}: axis {axis} is out of range for rank {rank}");
        return a;
    }

    public static int FlatIndex(ReadOnlySpan<int> shape, ReadOnlySpan<int> index)
    {
        if (index.Length != shape.Length) throw new ArgumentException($"index of rank {index.Length} for tensor of shape {Format(shape)}");
        int flat = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if ((uint)index[i] >= (uint)shape[i]) throw new IndexOutOfRangeException($"index {Format(index)} is out of range for shape {Format(shape)}");
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }

    public static void RequireSame(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (!a.SequenceEqual(b)) throw new ShapeMismatchException(op, a, b);
    }

    /// <summary>NumPy broadcasting: align shapes at the right; each pair of dims must match or one be 1.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) throw new ShapeMismatchException(op, a, b, "cannot be broadcast together");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Strides of <paramref name="shape"/> viewed as <paramref name="target"/> (0 where broadcast).</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        var own = Strides(shape);
        var strides = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = lead; i < target.Length; i++)
            strides[i] = shape[i - lead] == 1 ? 0 : own[i - lead];
        return strides;
    }
}
