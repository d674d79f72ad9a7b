using System.Numerics;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// The memory update M ⊙ Π_W(1 − w_wᵀ e_w) + Σ_W w_wᵀ v_w as one fused op. Nothing is saved beyond the inputs: the backward
/// recomputes the erase factors (W·N·Wd products), which is cheaper than keeping a memory-sized array per step.
/// </summary>
internal static class EraseAndWriteKernel
{
    /// <summary>Memory [B, N, Wd], write weights [B, W, N], erase vectors (after sigmoid) and write vectors [B, W, Wd] → [B, N, Wd].</summary>
    public static Tensor Compute(Tensor memory, Tensor writeWeights, Tensor eraseVectors, Tensor writeVectors)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), writes = writeWeights.Dim(1);
        var output = Tensor.Allocate(memory.Shape);
        BatchParallel.For(batch, (long)cells * width * writes, b =>
        {
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var w = writeWeights.Values.Slice(b * writes * cells, writes * cells);
            var e = eraseVectors.Values.Slice(b * writes * width, writes * width);
            var v = writeVectors.Values.Slice(b * writes * width, writes * width);
            var o = output.Data.Slice(b * cells * width, cells * width);
            for (int n = 0; n < cells; n++)
            {
                var row = o.Slice(n * width, width);
                m.Slice(n * width, width).CopyTo(row);
                for (int k = 0; k < writes; k++) MultiplyByFactor(row, w[k * cells + n], e.Slice(k * width, width), row);
                for (int k = 0; k < writes; k++) AddressingMath.MultiplyAdd(v.Slice(k * width, width), w[k * cells + n], row);
            }
        });
        return Tensor.Custom("EraseAndWrite", output, [memory, writeWeights, eraseVectors, writeVectors],
            g => Backward(g, memory, writeWeights, eraseVectors, writeVectors));
    }

    /// <summary>
    /// With keep = Π_W(1 − w e) and keep¬k the product without head k: dM = g ⊙ keep; for head k,
    /// dw_k[n] = Σ_d g·(v_k − M·keep¬k·e_k), de_k[d] = −Σ_n g·M·keep¬k·w_k, dv_k[d] = Σ_n g·w_k.
    /// </summary>
    private static Tensor?[] Backward(Tensor g, Tensor memory, Tensor writeWeights, Tensor eraseVectors, Tensor writeVectors)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), writes = writeWeights.Dim(1);
        bool wantMemory = memory.RequiresGrad, wantWeights = writeWeights.RequiresGrad;
        bool wantErase = eraseVectors.RequiresGrad, wantValues = writeVectors.RequiresGrad;
        var dMemory = wantMemory ? Tensor.BackwardBuffer(memory.Shape) : null;
        var dWeights = wantWeights ? Tensor.BackwardBuffer(writeWeights.Shape) : null;
        var dErase = wantErase ? Tensor.BackwardBuffer(eraseVectors.Shape) : null;
        var dValues = wantValues ? Tensor.BackwardBuffer(writeVectors.Shape) : null;
        BatchParallel.For(batch, 3L * cells * width * writes, b =>
        {
            int scratchSize = 2 * width;
            Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
            var gm = scratch[..width];                                  // g ⊙ M for the current cell: −dL/d(keep)
            var erased = scratch.Slice(width, width);                   // g ⊙ M ⊙ keep¬k: −dL/d(w_k·e_k)
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var w = writeWeights.Values.Slice(b * writes * cells, writes * cells);
            var e = eraseVectors.Values.Slice(b * writes * width, writes * width);
            var v = writeVectors.Values.Slice(b * writes * width, writes * width);
            var gv = g.Values.Slice(b * cells * width, cells * width);
            for (int n = 0; n < cells; n++)
            {
                var gRow = gv.Slice(n * width, width);
                if (dMemory is not null)
                {
                    var dm = dMemory.Data.Slice((b * cells + n) * width, width);
                    gRow.CopyTo(dm);
                    for (int k = 0; k < writes; k++) MultiplyByFactor(dm, w[k * cells + n], e.Slice(k * width, width), dm);
                }
                Multiply(gRow, m.Slice(n * width, width), gm);
                for (int k = 0; k < writes; k++)
                {
                    float weight = w[k * cells + n];
                    gm.CopyTo(erased);
                    for (int j = 0; j < writes; j++)
                        if (j != k) MultiplyByFactor(erased, w[j * cells + n], e.Slice(j * width, width), erased);
                    var erase = e.Slice(k * width, width);
                    if (dWeights is not null)
                        dWeights.Data[(b * writes + k) * cells + n] = AddressingMath.Dot(gRow, v.Slice(k * width, width)) - AddressingMath.Dot(erased, erase);
                    if (dErase is not null) AddressingMath.MultiplyAdd(erased, -weight, dErase.Data.Slice((b * writes + k) * width, width));
                    if (dValues is not null) AddressingMath.MultiplyAdd(gRow, weight, dValues.Data.Slice((b * writes + k) * width, width));
                }
            }
        });
        return
        [
            dMemory,
            dWeights,
            dErase,
            dValues,
        ];
    }

    /// <summary>destination = x ⊙ (1 − weight·erase), element-wise (destination may be x).</summary>
    private static void MultiplyByFactor(ReadOnlySpan<float> x, float weight, ReadOnlySpan<float> erase, Span<float> destination)
    {
        int length = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var wv = new Vector<float>(weight);
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(x[i..]) * (Vector<float>.One - wv * new Vector<float>(erase[i..]))).CopyTo(destination[i..]);
        }
        for (; i < length; i++) destination[i] = x[i] * (1f - weight * erase[i]);
    }

    /// <summary>destination = a ⊙ b, element-wise.</summary>
    private static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination)
    {
        int length = a.Length, i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(a[i..]) * new Vector<float>(b[i..])).CopyTo(destination[i..]);
        for (; i < length; i++) destination[i] = a[i] * b[i];
    }
}
