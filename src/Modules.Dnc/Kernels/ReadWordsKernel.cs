using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// The read words r = w·M per batch item (read weights [R, N] times memory [N, Wd]) as one fused op. The engine's batched
/// product pads each item's tiny product to the GEMM's 8×32 tiles and packs it, forward and twice backward; here every
/// output is one chain of fused multiply-adds over the inner dimension, started from zero, which is what the GEMM's
/// micro-kernels compute per element when the inner dimension fits one of their depth blocks (≤ 192: N, Wd and R at every
/// configuration the training command runs), so the results are the same floats.
/// </summary>
internal static class ReadWordsKernel
{
    /// <summary>Read weights [B, R, N] and memory [B, N, Wd] → read words [B, R, Wd]. Shapes are checked by the caller.</summary>
    public static Tensor Compute(Tensor weights, Tensor memory)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), reads = weights.Dim(1);
        var output = Tensor.AllocateUninitialized(batch, reads, width);   // uncleared: ChainRows writes every element
        BatchParallel.For(batch, (long)reads * cells * width, (weights, reads, cells, memory, width, output), static (state, b) =>
        {
            var (weights, reads, cells, memory, width, output) = state;
            Forward(
                weights.Values.Slice(b * reads * cells, reads * cells), memory.Values.Slice(b * cells * width, cells * width),
                width, output.Data.Slice(b * reads * width, reads * width));
        });
        return Tensor.Custom("ReadWords", output, [weights, memory], default(ValueTuple), static (x, _, g) => Backward(g, x[0], x[1]));
    }

    /// <summary>One item: r[i, :] = Σ_n w[i, n]·M[n, :], the sum over n in order as fused multiply-adds.</summary>
    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> m, int width, Span<float> r)
    {
        int cells = m.Length / width, reads = r.Length / width;
        for (int i = 0; i < reads; i++) ChainRows(w.Slice(i * cells, cells), m, width, r.Slice(i * width, width));
    }

    /// <summary>
    /// dw = g·Mᵀ (each element a chain over Wd) and dM = wᵀ·g (each a chain over R), per item.
    /// </summary>
    private static Tensor?[] Backward(Tensor g, Tensor weights, Tensor memory)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), reads = weights.Dim(1);
        var dWeights = weights.RequiresGrad ? Tensor.BackwardBuffer(weights.Shape) : null;
        var dMemory = memory.RequiresGrad ? Tensor.BackwardBuffer(memory.Shape) : null;
        BatchParallel.For(batch, 2L * reads * cells * width, (g, reads, width, memory, cells, weights, dWeights,
            dMemory), static (state, b) =>
        {
            var (g, reads, width, memory, cells, weights, dWeights, dMemory) = state;
            BackwardItem(g.Values.Slice(b * reads * width, reads * width), weights.Values.Slice(b * reads * cells, reads * cells),
                memory.Values.Slice(b * cells * width, cells * width), width,
                AddressingMath.ItemSlice(dWeights, b, reads * cells),
                AddressingMath.ItemSlice(dMemory, b, cells * width));
        });
        return Tensor.GradientSlots(dWeights, dMemory);
    }

    /// <summary>One item's backward from g [R, Wd]: dw [R, N] and dM [N, Wd] written, each skipped when empty.</summary>
    public static void BackwardItem(ReadOnlySpan<float> gb, ReadOnlySpan<float> w, ReadOnlySpan<float> m, int width, Span<float> dWeights, Span<float> dMemory)
    {
        int cells = m.Length / width, reads = gb.Length / width;
        if (!dWeights.IsEmpty) TransposedChains(gb, m, width, dWeights);
        if (dMemory.IsEmpty) return;
        Span<float> column = reads <= AddressingMath.StackScratchLimit ? stackalloc float[reads] : new float[reads];
        for (int n = 0; n < cells; n++)
        {
            for (int i = 0; i < reads; i++) column[i] = w[i * cells + n];
            ChainRows(column, gb, width, dMemory.Slice(n * width, width));
        }
    }

    /// <summary>
    /// dw[i, n] = Σ_d g[i, d]·M[n, d] for g [R, Wd], M [N, Wd] and dw [R, N], each element one chain of fused multiply-adds in
    /// d order from zero: blocks of one vector's width of cells are transposed on the stack so the chains run across cells.
    /// </summary>
    private static void TransposedChains(ReadOnlySpan<float> g, ReadOnlySpan<float> m, int width, Span<float> dw)
    {
        int cells = m.Length / width, reads = g.Length / width, lanes = Vector<float>.Count, n0 = 0;
        if (Vector.IsHardwareAccelerated && width * lanes <= AddressingMath.StackScratchLimit)
        {
            Span<float> block = stackalloc float[width * lanes];   // [Wd, lanes]: the block's cells side by side
            for (; n0 <= cells - lanes; n0 += lanes)
            {
                for (int v = 0; v < lanes; v++)
                {
                    var row = m.Slice((n0 + v) * width, width);
                    for (int d = 0; d < width; d++) block[d * lanes + v] = row[d];
                }
                for (int i = 0; i < reads; i++)
                {
                    var gi = g.Slice(i * width, width);
                    var acc = Vector<float>.Zero;
                    for (int d = 0; d < width; d++) acc = Vector.FusedMultiplyAdd(new Vector<float>(gi[d]), new Vector<float>(block[(d * lanes)..]), acc);
                    acc.CopyTo(dw.Slice(i * cells + n0, lanes));
                }
            }
        }
        for (; n0 < cells; n0++)
        {
            var row = m.Slice(n0 * width, width);
            for (int i = 0; i < reads; i++)
            {
                float acc = 0f;
                for (int d = 0; d < width; d++) acc = MathF.FusedMultiplyAdd(g[i * width + d], row[d], acc);
                dw[i * cells + n0] = acc;
            }
        }
    }

    /// <summary>
    /// destination = Σ_p coefficients[p]·rows[p, :] over the <paramref name="width"/>-wide rows, each element one chain of fused
    /// multiply-adds in p order starting from zero (as a GEMM micro-kernel accumulates one output).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ChainRows(ReadOnlySpan<float> coefficients, ReadOnlySpan<float> rows, int width, Span<float> destination)
    {
        int depth = coefficients.Length, j = 0;
        if (rows.Length < depth * width || destination.Length < width)
            throw new ArgumentException($"ReadWordsKernel: {depth} rows of {width} need {depth * width} floats and a row of {width}, got {rows.Length} and {destination.Length}");
        ref float c = ref MemoryMarshal.GetReference(coefficients);
        ref float x = ref MemoryMarshal.GetReference(rows);
        ref float y = ref MemoryMarshal.GetReference(destination);
        if (Vector.IsHardwareAccelerated)
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
            {
                var acc = Vector<float>.Zero;
                for (int p = 0; p < depth; p++)
                    acc = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref c, p)), Vector.LoadUnsafe(ref x, (nuint)(p * width + j)), acc);
                acc.StoreUnsafe(ref y, (nuint)j);
            }
        for (; j < width; j++)
        {
            float acc = 0f;
            for (int p = 0; p < depth; p++) acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref c, p), Unsafe.Add(ref x, p * width + j), acc);
            Unsafe.Add(ref y, j) = acc;
        }
    }
}
