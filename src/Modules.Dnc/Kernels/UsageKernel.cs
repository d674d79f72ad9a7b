using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// The usage update u ← (u + (1 − u)·(1 − Π_W(1 − w_write)))·ψ, ψ = Π_R(1 − f_r·w_read_r), as one fused op, in DeepMind's
/// order (after-write, then after-read). The write weights are read through a stop-gradient: they are not an input of
/// the op, so no gradient reaches them. The backward recomputes the few per-cell products it needs.
/// </summary>
internal static class UsageKernel
{
    /// <summary>Previous usage [B, N], write weights [B, W, N], free gate [B, R], read weights [B, R, N] → usage [B, N].</summary>
    public static Tensor Compute(Tensor previousUsage, Tensor writeWeights, Tensor freeGate, Tensor readWeights)
    {
        int batch = previousUsage.Dim(0), cells = previousUsage.Dim(1), writes = writeWeights.Dim(1), reads = freeGate.Dim(1);
        var result = GC.AllocateUninitializedArray<float>(previousUsage.Size);
        var u = previousUsage.Values; var w = writeWeights.Values; var f = freeGate.Values; var r = readWeights.Values;
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < cells; n++)
            {
                float afterWrite = AfterWrite(u[b * cells + n], w, b, n, cells, writes);
                float retention = 1f;
                for (int h = 0; h < reads; h++) retention *= 1f - f[b * reads + h] * r[(b * reads + h) * cells + n];
                result[b * cells + n] = afterWrite * retention;
            }
        var output = new Tensor(result, previousUsage.ShapeArray());
        return Tensor.Custom("Usage", output, [previousUsage, freeGate, readWeights],
            g => Backward(g, previousUsage, writeWeights, freeGate, readWeights));
    }

    /// <summary>u + (1 − u)·(1 − Π_W(1 − w)) for one cell.</summary>
    private static float AfterWrite(float usage, ReadOnlySpan<float> w, int b, int n, int cells, int writes)
    {
        float unwritten = 1f;
        for (int k = 0; k < writes; k++) unwritten *= 1f - w[(b * writes + k) * cells + n];
        return usage + (1f - usage) * (1f - unwritten);
    }

    /// <summary>
    /// With a = u + (1 − u)·written and ψ¬r the retention without read head r: du = g·ψ·(1 − written),
    /// dw_read_r = −g·a·ψ¬r·f_r, df_r = −Σ_N g·a·ψ¬r·w_read_r.
    /// </summary>
    private static Tensor?[] Backward(Tensor g, Tensor previousUsage, Tensor writeWeights, Tensor freeGate, Tensor readWeights)
    {
        int batch = previousUsage.Dim(0), cells = previousUsage.Dim(1), writes = writeWeights.Dim(1), reads = freeGate.Dim(1);
        var dUsage = previousUsage.RequiresGrad ? GC.AllocateUninitializedArray<float>(previousUsage.Size) : null;
        var dFree = freeGate.RequiresGrad ? new float[freeGate.Size] : null;
        var dRead = readWeights.RequiresGrad ? GC.AllocateUninitializedArray<float>(readWeights.Size) : null;
        var u = previousUsage.Values; var w = writeWeights.Values; var f = freeGate.Values; var r = readWeights.Values; var gv = g.Values;
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < cells; n++)
            {
                float usage = u[b * cells + n];
                float afterWrite = AfterWrite(usage, w, b, n, cells, writes);
                float grad = gv[b * cells + n];
                if (dUsage is not null)
                {
                    // d(afterWrite)/du = 1 − written = Π_W(1 − w), recomputed in the forward's order.
                    float unwritten = 1f, retention = 1f;
                    for (int k = 0; k < writes; k++) unwritten *= 1f - w[(b * writes + k) * cells + n];
                    for (int h = 0; h < reads; h++) retention *= 1f - f[b * reads + h] * r[(b * reads + h) * cells + n];
                    dUsage[b * cells + n] = grad * retention * unwritten;
                }
                if (dFree is null && dRead is null) continue;
                for (int h = 0; h < reads; h++)
                {
                    float others = 1f;
                    for (int j = 0; j < reads; j++)
                        if (j != h) others *= 1f - f[b * reads + j] * r[(b * reads + j) * cells + n];
                    float dFreed = -grad * afterWrite * others;               // dL/d(f_h·w_read_h[n])
                    int index = (b * reads + h) * cells + n;
                    if (dRead is not null) dRead[index] = dFreed * f[b * reads + h];
                    if (dFree is not null) dFree[b * reads + h] += dFreed * r[index];
                }
            }
        return
        [
            dUsage is null ? null : new Tensor(dUsage, previousUsage.ShapeArray()),
            dFree is null ? null : new Tensor(dFree, freeGate.ShapeArray()),
            dRead is null ? null : new Tensor(dRead, readWeights.ShapeArray()),
        ];
    }
}
