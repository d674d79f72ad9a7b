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
        var output = Tensor.AllocateUninitialized(previousUsage.Shape);   // uncleared: ForwardItem writes every element
        for (int b = 0; b < batch; b++)
            ForwardItem(previousUsage.Values.Slice(b * cells, cells), writeWeights.Values.Slice(b * writes * cells, writes * cells),
                freeGate.Values.Slice(b * reads, reads), readWeights.Values.Slice(b * reads * cells, reads * cells), output.Data.Slice(b * cells, cells));
        return Tensor.Custom("Usage", output, [previousUsage, freeGate, readWeights], writeWeights,
            static (x, writeWeights, g) => Backward(g, x[0], writeWeights, x[1], x[2]));
    }

    /// <summary>One item: previous usage u [N], write weights w [W, N], free gates f [R], read weights r [R, N] → usage [N] (every element written).</summary>
    public static void ForwardItem(ReadOnlySpan<float> u, ReadOnlySpan<float> w, ReadOnlySpan<float> f, ReadOnlySpan<float> r, Span<float> result)
    {
        int cells = u.Length, writes = w.Length / cells, reads = f.Length;
        for (int n = 0; n < cells; n++)
        {
            float afterWrite = AfterWrite(u[n], w, n, cells, writes);
            float retention = 1f;
            for (int h = 0; h < reads; h++) retention *= 1f - f[h] * r[h * cells + n];
            result[n] = afterWrite * retention;
        }
    }

    /// <summary>u + (1 − u)·(1 − Π_W(1 − w)) for one cell.</summary>
    private static float AfterWrite(float usage, ReadOnlySpan<float> w, int n, int cells, int writes)
    {
        float unwritten = 1f;
        for (int k = 0; k < writes; k++) unwritten *= 1f - w[k * cells + n];
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
        for (int b = 0; b < batch; b++)
            BackwardItem(g.Values.Slice(b * cells, cells), previousUsage.Values.Slice(b * cells, cells),
                writeWeights.Values.Slice(b * writes * cells, writes * cells), freeGate.Values.Slice(b * reads, reads),
                readWeights.Values.Slice(b * reads * cells, reads * cells), AddressingMath.ItemSlice(dUsage, b, cells),
                AddressingMath.ItemSlice(dFree, b, reads), AddressingMath.ItemSlice(dRead, b, reads * cells));
        return Tensor.GradientSlots(dUsage, dFree, dRead);
    }

    /// <summary>
    /// One item's backward from g [N]: du [N], df [R] and dr [R, N] written (each skipped when empty), from the previous usage
    /// u [N], write weights w [W, N], free gates f [R] and read weights r [R, N].
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> gb, ReadOnlySpan<float> ub, ReadOnlySpan<float> w, ReadOnlySpan<float> f,
        ReadOnlySpan<float> r, Span<float> du, Span<float> dFree, Span<float> dRead)
    {
        int cells = ub.Length, writes = w.Length / cells, reads = f.Length;
        int scratchSize = (reads + 3) * cells;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var factors = scratch[..(reads * cells)];                        // 1 − f_h·w_read_h, [R, N]
        var unwritten = scratch.Slice(reads * cells, cells);             // Π_W(1 − w_write) = d(afterWrite)/du
        var product = scratch.Slice((reads + 1) * cells, cells);
        var temp = scratch.Slice((reads + 2) * cells, cells);
        // Whole rows of N cells at a time, so every step is vectorised.
        unwritten.Fill(1f);
        for (int k = 0; k < writes; k++)
        {
            TensorPrimitives.Subtract(1f, w.Slice(k * cells, cells), temp);
            TensorPrimitives.Multiply(unwritten, temp, unwritten);
        }
        for (int h = 0; h < reads; h++)
        {
            var factor = factors.Slice(h * cells, cells);
            TensorPrimitives.Multiply(r.Slice(h * cells, cells), -f[h], factor);
            TensorPrimitives.Add(factor, 1f, factor);
        }
        if (!du.IsEmpty)
        {
            // du = g·ψ·Π_W(1 − w)
            TensorPrimitives.Multiply(gb, unwritten, du);
            for (int h = 0; h < reads; h++) TensorPrimitives.Multiply(du, factors.Slice(h * cells, cells), du);
        }
        if (dFree.IsEmpty && dRead.IsEmpty) return;
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
            var rh = r.Slice(h * cells, cells);
            if (!dRead.IsEmpty) TensorPrimitives.Multiply(product, f[h], dRead.Slice(h * cells, cells));
            if (!dFree.IsEmpty) dFree[h] = TensorPrimitives.Dot(product, rh);
        }
    }
}
