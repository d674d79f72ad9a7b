using Modules.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

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
        var output = Tensor.AllocateUninitialized(previousUsage.Shape);   // uncleared: the loop writes every element
        var result = output.Data;
        var u = previousUsage.Values; var w = writeWeights.Values; var f = freeGate.Values; var r = readWeights.Values;
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < cells; n++)
            {
                float afterWrite = AfterWrite(u[b * cells + n], w, b, n, cells, writes);
                float retention = 1f;
                for (int h = 0; h < reads; h++) retention *= 1f - f[b * reads + h] * r[(b * reads + h) * cells + n];
                result[b * cells + n] = afterWrite * retention;
            }
        return Tensor.Custom("Usage", output, [previousUsage, freeGate, readWeights], writeWeights,
            static (x, writeWeights, g) => Backward(g, x[0], writeWeights, x[1], x[2]));
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
        var dUsage = previousUsage.RequiresGrad ? Tensor.BackwardBuffer(previousUsage.Shape) : null;
        var dFree = freeGate.RequiresGrad ? Tensor.BackwardBuffer(freeGate.Shape) : null;
        var dRead = readWeights.RequiresGrad ? Tensor.BackwardBuffer(readWeights.Shape) : null;
        var u = previousUsage.Values; var w = writeWeights.Values; var f = freeGate.Values; var r = readWeights.Values; var gv = g.Values;
        int scratchSize = (reads + 3) * cells;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var factors = scratch[..(reads * cells)];                        // 1 − f_h·w_read_h, [R, N]
        var unwritten = scratch.Slice(reads * cells, cells);             // Π_W(1 − w_write) = d(afterWrite)/du
        var product = scratch.Slice((reads + 1) * cells, cells);
        var temp = scratch.Slice((reads + 2) * cells, cells);
        // Whole rows of N cells at a time, so every step is vectorised.
        for (int b = 0; b < batch; b++)
        {
            var ub = u.Slice(b * cells, cells);
            var gb = gv.Slice(b * cells, cells);
            unwritten.Fill(1f);
            for (int k = 0; k < writes; k++)
            {
                TensorPrimitives.Subtract(1f, w.Slice((b * writes + k) * cells, cells), temp);
                TensorPrimitives.Multiply(unwritten, temp, unwritten);
            }
            for (int h = 0; h < reads; h++)
            {
                var factor = factors.Slice(h * cells, cells);
                TensorPrimitives.Multiply(r.Slice((b * reads + h) * cells, cells), -f[b * reads + h], factor);
                TensorPrimitives.Add(factor, 1f, factor);
            }
            if (dUsage is not null)
            {
                // du = g·ψ·Π_W(1 − w)
                var du = dUsage.Data.Slice(b * cells, cells);
                TensorPrimitives.Multiply(gb, unwritten, du);
                for (int h = 0; h < reads; h++) TensorPrimitives.Multiply(du, factors.Slice(h * cells, cells), du);
            }
            if (dFree is null && dRead is null) continue;
            // g·afterWrite, afterWrite = u + (1 − u)·(1 − Π_W(1 − w))
            TensorPrimitives.Subtract(1f, unwritten, temp);
            TensorPrimitives.Subtract(1f, ub, product);
            TensorPrimitives.Multiply(temp, product, temp);
            TensorPrimitives.Add(temp, ub, temp);
            TensorPrimitives.Multiply(temp, gb, temp);
            for (int h = 0; h < reads; h++)
            {
                // dL/d(f_h·w_read_h) = −g·afterWrite·Π_{j≠h}(1 − f_j·w_read_j)
                TensorPrimitives.Negate(temp, product);
                for (int j = 0; j < reads; j++)
                    if (j != h) TensorPrimitives.Multiply(product, factors.Slice(j * cells, cells), product);
                var rh = r.Slice((b * reads + h) * cells, cells);
                if (dRead is not null) TensorPrimitives.Multiply(product, f[b * reads + h], dRead.Data.Slice((b * reads + h) * cells, cells));
                if (dFree is not null) dFree.Data[b * reads + h] = TensorPrimitives.Dot(product, rh);
            }
        }
        return Tensor.GradientSlots(dUsage, dFree, dRead);
    }
}
