using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        var output = Tensor.AllocateUninitialized(memory.Shape);   // uncleared: EraseAndWriteRow writes every element of each row
        BatchParallel.For(batch, (long)cells * width * writes, (memory, cells, width, writeWeights, writes, eraseVectors, writeVectors,
            output), static (state, b) =>
        {
            var (memory, cells, width, writeWeights, writes, eraseVectors, writeVectors, output) = state;
            ForwardItem(memory.Values.Slice(b * cells * width, cells * width), writeWeights.Values.Slice(b * writes * cells, writes * cells),
                eraseVectors.Values.Slice(b * writes * width, writes * width), writeVectors.Values.Slice(b * writes * width, writes * width),
                output.Data.Slice(b * cells * width, cells * width), width);
        });
        return Tensor.Custom("EraseAndWrite", output, [memory, writeWeights, eraseVectors, writeVectors], default(ValueTuple),
            static (x, _, g) => Backward(g, x[0], x[1], x[2], x[3]));
    }

    /// <summary>One item: memory m [N, Wd], write weights w [W, N], erase and write vectors e, v [W, Wd] → the new memory o [N, Wd] (every element written).</summary>
    public static void ForwardItem(ReadOnlySpan<float> m, ReadOnlySpan<float> w, ReadOnlySpan<float> e, ReadOnlySpan<float> v, Span<float> o, int width)
    {
        int cells = m.Length / width;
        for (int n = 0; n < cells; n++) EraseAndWriteRow(m.Slice(n * width, width), w, n, e, v, o.Slice(n * width, width));
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
        BatchParallel.For(batch, 3L * cells * width * writes, (width, memory, cells, writeWeights, writes, eraseVectors, writeVectors, g,
            dMemory, dWeights, dErase, dValues), static (state, b) =>
        {
            var (width, memory, cells, writeWeights, writes, eraseVectors, writeVectors, g, dMemory, dWeights, dErase, dValues) = state;
            int wn = writes * cells, we = writes * width, nw = cells * width;
            BackwardItem(g.Values.Slice(b * nw, nw), memory.Values.Slice(b * nw, nw), writeWeights.Values.Slice(b * wn, wn),
                eraseVectors.Values.Slice(b * we, we), writeVectors.Values.Slice(b * we, we), width,
                AddressingMath.ItemSlice(dMemory, b, nw), AddressingMath.ItemSlice(dWeights, b, wn),
                AddressingMath.ItemSlice(dErase, b, we), AddressingMath.ItemSlice(dValues, b, we));
        });
        return Tensor.GradientSlots(dMemory, dWeights, dErase, dValues);
    }

    /// <summary>
    /// One item's backward from g [N, Wd]: dM [N, Wd] and dw [W, N] written, de and dv [W, Wd] added to (they must start at
    /// zero), each skipped when empty.
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> gv, ReadOnlySpan<float> m, ReadOnlySpan<float> w, ReadOnlySpan<float> e,
        ReadOnlySpan<float> v, int width, Span<float> dMemory, Span<float> dWeights, Span<float> dErase, Span<float> dValues)
    {
        int cells = m.Length / width, writes = e.Length / width;
        int scratchSize = 2 * width;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var gm = scratch[..width];                                  // g ⊙ M for the current cell: −dL/d(keep)
        var erased = scratch.Slice(width, width);                   // g ⊙ M ⊙ keep¬k: −dL/d(w_k·e_k)
        for (int n = 0; n < cells; n++)
        {
            var gRow = gv.Slice(n * width, width);
            if (!dMemory.IsEmpty) EraseAndWriteRow(gRow, w, n, e, default, dMemory.Slice(n * width, width));   // g ⊙ keep
            Multiply(gRow, m.Slice(n * width, width), gm);
            for (int k = 0; k < writes; k++)
            {
                float weight = w[k * cells + n];
                gm.CopyTo(erased);
                for (int j = 0; j < writes; j++)
                    if (j != k) MultiplyByFactor(erased, w[j * cells + n], e.Slice(j * width, width), erased);
                var erase = e.Slice(k * width, width);
                if (!dWeights.IsEmpty)
                    dWeights[k * cells + n] = AddressingMath.Dot(gRow, v.Slice(k * width, width)) - AddressingMath.Dot(erased, erase);
                if (!dErase.IsEmpty) AddressingMath.MultiplyAdd(erased, -weight, dErase.Slice(k * width, width));
                if (!dValues.IsEmpty) AddressingMath.MultiplyAdd(gRow, weight, dValues.Slice(k * width, width));
            }
        }
    }

    /// <summary>
    /// One cell's row: destination = x ⊙ Π_k(1 − w[k, n]·e_k) + Σ_k w[k, n]·v_k (no sum when <paramref name="values"/> is
    /// empty), with the heads' <paramref name="weights"/> [W, N] and erase and write vectors [W, Wd]. One pass with the row in
    /// registers, the operations of <see cref="MultiplyByFactor"/> per head and then of <see cref="AddressingMath.MultiplyAdd"/>
    /// per head in head order, so the same floats as those passes one after another.
    /// </summary>
    private static void EraseAndWriteRow(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, int n, ReadOnlySpan<float> erase,
        ReadOnlySpan<float> values, Span<float> destination)
    {
        int width = destination.Length, writes = width == 0 ? 0 : erase.Length / width, cells = writes == 0 ? 0 : weights.Length / writes, j = 0;
        if (x.Length < width || (!values.IsEmpty && values.Length < erase.Length) || (writes > 0 && n >= cells))
            throw new ArgumentException($"EraseAndWriteKernel: a row of {width} needs x of {width}, {writes} write vectors and cell {n} < {cells}");
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination);
        ref float eraseRef = ref MemoryMarshal.GetReference(erase);
        ref float valuesRef = ref MemoryMarshal.GetReference(values);
        ref float weightsRef = ref MemoryMarshal.GetReference(weights);
        bool write = !values.IsEmpty;
        if (Vector.IsHardwareAccelerated)
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
            {
                var row = Vector.LoadUnsafe(ref source, (nuint)j);
                for (int k = 0; k < writes; k++)
                    row *= Vector<float>.One - new Vector<float>(Unsafe.Add(ref weightsRef, k * cells + n)) * Vector.LoadUnsafe(ref eraseRef, (nuint)(k * width + j));
                if (write)
                    for (int k = 0; k < writes; k++)
                        row += new Vector<float>(Unsafe.Add(ref weightsRef, k * cells + n)) * Vector.LoadUnsafe(ref valuesRef, (nuint)(k * width + j));
                row.StoreUnsafe(ref target, (nuint)j);
            }
        for (; j < width; j++)
        {
            float row = Unsafe.Add(ref source, j);
            for (int k = 0; k < writes; k++) row *= 1f - Unsafe.Add(ref weightsRef, k * cells + n) * Unsafe.Add(ref eraseRef, k * width + j);
            if (write)
                for (int k = 0; k < writes; k++) row += Unsafe.Add(ref weightsRef, k * cells + n) * Unsafe.Add(ref valuesRef, k * width + j);
            Unsafe.Add(ref target, j) = row;
        }
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
