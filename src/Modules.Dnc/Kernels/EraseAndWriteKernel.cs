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
        var result = GC.AllocateUninitializedArray<float>(memory.Size);
        BatchParallel.For(batch, (long)cells * width * writes, b =>
        {
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var w = writeWeights.Values.Slice(b * writes * cells, writes * cells);
            var e = eraseVectors.Values.Slice(b * writes * width, writes * width);
            var v = writeVectors.Values.Slice(b * writes * width, writes * width);
            var o = result.AsSpan(b * cells * width, cells * width);
            for (int n = 0; n < cells; n++)
            {
                var row = o.Slice(n * width, width);
                m.Slice(n * width, width).CopyTo(row);
                for (int k = 0; k < writes; k++)
                {
                    float weight = w[k * cells + n];
                    var erase = e.Slice(k * width, width);
                    for (int d = 0; d < width; d++) row[d] *= 1f - weight * erase[d];
                }
                for (int k = 0; k < writes; k++)
                {
                    float weight = w[k * cells + n];
                    var value = v.Slice(k * width, width);
                    for (int d = 0; d < width; d++) row[d] += weight * value[d];
                }
            }
        });
        var output = new Tensor(result, memory.ShapeArray());
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
        var dMemory = wantMemory ? GC.AllocateUninitializedArray<float>(memory.Size) : null;
        var dWeights = wantWeights ? Tensor.BackwardBuffer(writeWeights.ShapeArray()) : null;
        var dErase = wantErase ? Tensor.BackwardBuffer(eraseVectors.ShapeArray()) : null;
        var dValues = wantValues ? Tensor.BackwardBuffer(writeVectors.ShapeArray()) : null;
        BatchParallel.For(batch, 3L * cells * width * writes, b =>
        {
            int scratchSize = writes * width + width;
            Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
            var factors = scratch[..(writes * width)];                  // 1 − w_k[n]·e_k, [W, Wd], for the current cell
            var others = scratch.Slice(writes * width, width);          // keep¬k
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var w = writeWeights.Values.Slice(b * writes * cells, writes * cells);
            var e = eraseVectors.Values.Slice(b * writes * width, writes * width);
            var v = writeVectors.Values.Slice(b * writes * width, writes * width);
            var gv = g.Values.Slice(b * cells * width, cells * width);
            for (int n = 0; n < cells; n++)
            {
                var gRow = gv.Slice(n * width, width);
                var mRow = m.Slice(n * width, width);
                for (int k = 0; k < writes; k++)
                {
                    float weight = w[k * cells + n];
                    var erase = e.Slice(k * width, width);
                    var f = factors.Slice(k * width, width);
                    for (int d = 0; d < width; d++) f[d] = 1f - weight * erase[d];
                }
                if (dMemory is not null)
                {
                    var dm = dMemory.AsSpan((b * cells + n) * width, width);
                    gRow.CopyTo(dm);
                    for (int k = 0; k < writes; k++)
                    {
                        var f = factors.Slice(k * width, width);
                        for (int d = 0; d < width; d++) dm[d] *= f[d];
                    }
                }
                for (int k = 0; k < writes; k++)
                {
                    float weight = w[k * cells + n];
                    others.Fill(1f);
                    for (int j = 0; j < writes; j++)
                    {
                        if (j == k) continue;
                        var f = factors.Slice(j * width, width);
                        for (int d = 0; d < width; d++) others[d] *= f[d];
                    }
                    var erase = e.Slice(k * width, width);
                    var value = v.Slice(k * width, width);
                    float dWeight = 0f;
                    var dE = dErase is null ? default : dErase.Data.Slice((b * writes + k) * width, width);
                    var dV = dValues is null ? default : dValues.Data.Slice((b * writes + k) * width, width);
                    for (int d = 0; d < width; d++)
                    {
                        float erased = gRow[d] * mRow[d] * others[d];       // −dL/d(w·e)
                        dWeight += gRow[d] * value[d] - erased * erase[d];
                        if (dErase is not null) dE[d] -= erased * weight;
                        if (dValues is not null) dV[d] += gRow[d] * weight;
                    }
                    if (dWeights is not null) dWeights.Data[(b * writes + k) * cells + n] = dWeight;
                }
            }
        });
        return
        [
            dMemory is null ? null : new Tensor(dMemory, memory.ShapeArray()),
            dWeights,
            dErase,
            dValues,
        ];
    }
}
