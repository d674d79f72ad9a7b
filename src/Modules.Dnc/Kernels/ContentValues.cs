namespace Modules.Dnc.Kernels;

/// <summary>
/// What content addressing keeps per batch item for its backward pass, one layout for the DNC's and the NTM's kernels:
/// similarities [H, N], memory norms [N], key norms [H], sharpness [H].
/// </summary>
internal static class ContentValues
{
    /// <summary>Floats kept per batch item.</summary>
    public static int Length(int heads, int cells) => heads * cells + cells + 2 * heads;

    /// <summary>The four parts of <paramref name="saved"/> (at least <see cref="Length"/> floats), to fill.</summary>
    public static void Split(Span<float> saved, int heads, int cells,
        out Span<float> similarity, out Span<float> memoryNorms, out Span<float> keyNorms, out Span<float> sharpness)
    {
        similarity = saved[..(heads * cells)];
        memoryNorms = saved.Slice(heads * cells, cells);
        keyNorms = saved.Slice(heads * cells + cells, heads);
        sharpness = saved.Slice(heads * cells + cells + heads, heads);
    }

    /// <summary>The four parts of <paramref name="saved"/>, to read (the backward pass).</summary>
    public static void Split(ReadOnlySpan<float> saved, int heads, int cells,
        out ReadOnlySpan<float> similarity, out ReadOnlySpan<float> memoryNorms, out ReadOnlySpan<float> keyNorms, out ReadOnlySpan<float> sharpness)
    {
        similarity = saved[..(heads * cells)];
        memoryNorms = saved.Slice(heads * cells, cells);
        keyNorms = saved.Slice(heads * cells + cells, heads);
        sharpness = saved.Slice(heads * cells + cells + heads, heads);
    }
}
