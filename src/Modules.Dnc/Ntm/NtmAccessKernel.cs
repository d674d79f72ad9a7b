using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// One NTM memory step as one fused op with a hand-written backward: the write heads address the previous memory
/// (<see cref="NtmAddressingKernel"/>), erase then add, the read heads address the new memory and read it. Memory-sized
/// work stays inside the op: the new memory is its only memory-sized output and its backward takes one memory-sized
/// gradient (the next step's) and returns one (the previous memory's). Within an item everything runs on the memory
/// transposed to [Wd, N] (<see cref="NtmColumns"/>), in per-thread scratch: the memory before and after the write, and
/// their gradients.
/// </summary>
internal static class NtmAccessKernel
{
    /// <summary>
    /// Memory [B, N, Wd], previous write weights [B, W, N], previous read weights [B, R, N], the write heads' raw
    /// addressing parameters, raw erase vectors (before the sigmoid) and add vectors [B, W, Wd], and the read heads' raw
    /// addressing parameters → new memory [B, N, Wd], write weights [B, W, N], read weights [B, R, N], read words
    /// [B, R, Wd]. Shapes are checked by the caller.
    /// </summary>
    public static (Tensor Memory, Tensor WriteWeights, Tensor ReadWeights, Tensor ReadWords) Step(Tensor memory, Tensor previousWrite,
        Tensor previousRead, NtmHeadInterface writeHead, Tensor eraseLogits, Tensor add, NtmHeadInterface readHead)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2);
        int writes = previousWrite.Dim(1), reads = previousRead.Dim(1);
        var layout = new Layout(cells, width, writes, reads);
        // From the step's arena when there is one: a training step's buffers come back at its end.
        var saved = Tensor.Allocate(batch * layout.PerItem);
        var newMemory = Tensor.Allocate(memory.Shape);
        var writeWeights = Tensor.Allocate(batch, writes, cells);
        var readWeights = Tensor.Allocate(batch, reads, cells);
        var readWords = Tensor.Allocate(batch, reads, width);
        BatchParallel.For(batch, VectorWork(writes, reads, cells, width), (saved, layout, cells, width, memory, writeWeights, writes,
            readWeights, reads, previousWrite, writeHead, eraseLogits, add, previousRead, readHead, readWords,
            newMemory), static (state, b) =>
        {
            var (saved, layout, cells, width, memory, writeWeights, writes, readWeights, reads, previousWrite, writeHead, eraseLogits, add,
                previousRead, readHead, readWords, newMemory) = state;
            var item = saved.Data.Slice(b * layout.PerItem, layout.PerItem);
            // The item's memory before and after the write, transposed ([Wd, N]): every loop runs along the N cells.
            var scratch = NtmColumns.Scratch(2 * cells * width);
            Span<float> columns = scratch[..(cells * width)], newColumns = scratch[(cells * width)..];
            NtmColumns.Transpose(memory.Values.Slice(b * cells * width, cells * width), cells, width, columns);
            var ww = writeWeights.Data.Slice(b * writes * cells, writes * cells);
            var wr = readWeights.Data.Slice(b * reads * cells, reads * cells);
            NtmAddressingKernel.ForwardItem(columns, width, previousWrite.Values.Slice(b * writes * cells, writes * cells),
                NtmAddressingKernel.Item(writeHead, b, writes, width), item[..layout.WriteSaved], ww);
            var erase = item.Slice(layout.EraseAt, writes * width);
            FloatMath.Sigmoid(eraseLogits.Values.Slice(b * writes * width, writes * width), erase);
            EraseAndAdd(columns, ww, erase, add.Values.Slice(b * writes * width, writes * width), width, newColumns);
            NtmAddressingKernel.ForwardItem(newColumns, width, previousRead.Values.Slice(b * reads * cells, reads * cells),
                NtmAddressingKernel.Item(readHead, b, reads, width), item.Slice(layout.WriteSaved, layout.ReadSaved), wr);
            for (int h = 0; h < reads; h++)
                NtmColumns.Dots(newColumns, wr.Slice(h * cells, cells), readWords.Data.Slice((b * reads + h) * width, width));
            NtmColumns.Transpose(newColumns, width, cells, newMemory.Data.Slice(b * cells * width, cells * width));
        });

        Tensor[] outputs = [newMemory, writeWeights, readWeights, readWords];
        Tensor[] inputs =
        [
            memory, previousWrite, previousRead,
            writeHead.Keys, writeHead.Strengths, writeHead.Gates, writeHead.Shifts, writeHead.Sharpening, eraseLogits, add,
            readHead.Keys, readHead.Strengths, readHead.Gates, readHead.Shifts, readHead.Sharpening,
        ];
        Tensor.Custom("NtmAccess.Step", outputs, inputs, g => Backward(g, outputs, inputs, saved, layout));
        return (outputs[0], outputs[1], outputs[2], outputs[3]);
    }

    /// <summary>
    /// The forward's work per item for <see cref="BatchParallel"/>: its multiply-adds (content, erase and add, content, read)
    /// in vectors, since every loop over the memory runs <see cref="Vector{T}.Count"/> cells at once. At the paper's size
    /// (N = 128, Wd = 20, batch 16) that keeps a step on the calling thread, which measured faster on two cores than
    /// handing 16 items of a few microseconds each to the thread pool.
    /// </summary>
    private static long VectorWork(int writes, int reads, int cells, int width) =>
        (3L * writes + 2L * reads + 2) * cells * width / Vector<float>.Count;

    /// <summary>Where an item's saved values lie: the write heads' addressing, the read heads' addressing, the erase vectors σ(ê) [W, Wd].</summary>
    private sealed record Layout(int Cells, int Width, int Writes, int Reads)
    {
        public int WriteSaved { get; } = NtmAddressingKernel.SavedPerItem(Writes, Cells);

        public int ReadSaved { get; } = NtmAddressingKernel.SavedPerItem(Reads, Cells);

        public int EraseAt => WriteSaved + ReadSaved;

        public int PerItem => EraseAt + Writes * Width;
    }

    /// <summary>
    /// In reverse: the read words' gradient gives dw_r(h, n) = g_r,h·M'(n) (added to the next step's); dM' is the next step's
    /// plus Σ_h w_r,h(n)·g_r,h plus the read heads' content part; the erase-and-add backward (keep = Π_k(1 − w_k e_k),
    /// keep¬k without head k) gives dM = dM'·keep, dw_k(n) = dM'·(a_k − M·keep¬k·e_k) (added to the next step's),
    /// de_k = −Σ_n dM'·M·keep¬k·w_k and da_k = Σ_n dM'·w_k; the write heads' content part is added to dM.
    /// </summary>
    private static Tensor?[] Backward(Tensor?[] g, Tensor[] outputs, Tensor[] x, Tensor saved, Layout layout)
    {
        var (memory, previousWrite, previousRead, add) = (x[0], x[1], x[2], x[9]);
        var writeHead = new NtmHeadInterface(x[3], x[4], x[5], x[6], x[7]);
        var readHead = new NtmHeadInterface(x[10], x[11], x[12], x[13], x[14]);
        int batch = memory.Dim(0), cells = layout.Cells, width = layout.Width, writes = layout.Writes, reads = layout.Reads;
        var grads = new Tensor?[x.Length];
        for (int i = 0; i < x.Length; i++) grads[i] = x[i].RequiresGrad ? Tensor.BackwardBuffer(x[i].ShapeArray()) : null;
        var (gMemory, gWrite, gRead, gWords) = (g[0], g[1], g[2], g[3]);
        int size = cells * width, total = batch * size;
        // Transposed ([Wd, N]), the memory before and after the write and their gradients; the later step's backward,
        // which ran just before this one, left the new memory and its gradient transposed (Cache).
        var newAll = cache.Find(outputs[0], total, gradient: false);
        // The kept gradient only with its memory: the backward arena lends the same gradient tensor objects to every pass,
        // so that object alone may be a later pass's gradient; the new memory is this pass's own object.
        var gradientAll = gMemory is null || newAll is null ? null : cache.Find(gMemory, total, gradient: true);
        var memoryAll = cache.Spare(total, gradient: false);
        var dOldAll = grads[0] is null ? null : cache.Spare(total, gradient: true);
        BatchParallel.For(batch, 2 * VectorWork(writes, reads, cells, width), (newAll, size, gradientAll, memoryAll, dOldAll, memory, cells,
            width, outputs, gMemory, reads, writes, saved, layout, gRead, gWords, previousRead, readHead, grads, gWrite, add, previousWrite,
            writeHead), static (state, b) =>
        {
            var (newAll, size, gradientAll, memoryAll, dOldAll, memory, cells, width, outputs, gMemory, reads, writes, saved, layout, gRead,
                gWords, previousRead, readHead, grads, gWrite, add, previousWrite, writeHead) = state;
            var scratch = NtmColumns.Scratch((newAll is null ? size : 0) + (gradientAll is null ? size : 0));
            Span<float> columns = memoryAll.AsSpan(b * size, size);
            Span<float> newColumns = newAll is null ? scratch[..size] : newAll.AsSpan(b * size, size);
            Span<float> dNew = gradientAll is null ? scratch[(scratch.Length - size)..] : gradientAll.AsSpan(b * size, size);
            Span<float> dOld = dOldAll is null ? default : dOldAll.AsSpan(b * size, size);
            NtmColumns.Transpose(memory.Values.Slice(b * size, size), cells, width, columns);
            if (newAll is null) NtmColumns.Transpose(outputs[0].Values.Slice(b * size, size), cells, width, newColumns);
            if (gradientAll is null)
            {
                if (gMemory is null) dNew.Clear();
                else NtmColumns.Transpose(gMemory.Values.Slice(b * size, size), cells, width, dNew);
            }
            int small = reads * cells + writes * cells + writes * width;
            Span<float> smallScratch = small <= AddressingMath.StackScratchLimit ? stackalloc float[small] : new float[small];
            var dRead = smallScratch[..(reads * cells)];
            var dWrite = smallScratch.Slice(reads * cells, writes * cells);
            var dErase = smallScratch.Slice((reads + writes) * cells, writes * width);
            var item = saved.Data.Slice(b * layout.PerItem, layout.PerItem);
            var ww = outputs[1].Values.Slice(b * writes * cells, writes * cells);
            var wr = outputs[2].Values.Slice(b * reads * cells, reads * cells);

            // Reads: dw_r = (next step's) + Σ_d g_r[d]·M'[d, n]; dM'[d, n] += Σ_h g_r,h[d]·w_r,h[n].
            if (gRead is null) dRead.Clear();
            else gRead.Values.Slice(b * reads * cells, reads * cells).CopyTo(dRead);
            if (gWords is not null)
                ReadBackward(newColumns, wr, gWords.Values.Slice(b * reads * width, reads * width), width, dRead, dNew);
            NtmAddressingKernel.BackwardItem(dRead, wr, newColumns, width, previousRead.Values.Slice(b * reads * cells, reads * cells),
                NtmAddressingKernel.Item(readHead, b, reads, width), item.Slice(layout.WriteSaved, layout.ReadSaved),
                Gradients(grads, 10, 2, b, reads, cells, width, dNew));

            // Erase and add.
            if (gWrite is null) dWrite.Clear();
            else gWrite.Values.Slice(b * writes * cells, writes * cells).CopyTo(dWrite);
            var erase = item.Slice(layout.EraseAt, writes * width);
            var dAdd = grads[9] is { } dAddTensor ? dAddTensor.Data.Slice(b * writes * width, writes * width) : default;
            EraseAndAddBackward(dNew, columns, ww, erase, add.Values.Slice(b * writes * width, writes * width), width,
                dOld, dWrite, dErase, dAdd);
            if (grads[8] is { } dLogits) FloatMath.SigmoidBackward(dErase, erase, dLogits.Data.Slice(b * writes * width, writes * width));
            NtmAddressingKernel.BackwardItem(dWrite, ww, columns, width, previousWrite.Values.Slice(b * writes * cells, writes * cells),
                NtmAddressingKernel.Item(writeHead, b, writes, width), item[..layout.WriteSaved],
                Gradients(grads, 3, 1, b, writes, cells, width, dOld));
            if (!dOld.IsEmpty) NtmColumns.Transpose(dOld, width, cells, grads[0]!.Data.Slice(b * size, size));
        });
        cache.Keep(memory, memoryAll, grads[0], dOldAll);
        return grads;
    }

    /// <summary>This thread's <see cref="Cache"/> (backward passes of different threads, such as data-parallel shards, do not share one).</summary>
    [ThreadStatic] private static Cache? threadCache;

    private static Cache cache => threadCache ??= new Cache();

    /// <summary>
    /// What the last backward on this thread left for the next, which in an unrolled sequence is the step before it: its
    /// input memory transposed (the earlier step's new memory) and the gradient it returned for that memory, transposed,
    /// each with the tensor it belongs to, so the earlier step reads both instead of transposing them again. Found only
    /// by the very tensor: the values of a forward tensor and of a returned gradient stay as they are for the rest of
    /// the pass. Every pass makes new forward tensors, but gradient tensor objects come back from the backward arena in
    /// later passes, so the gradient is only taken together with its memory. The arrays are kept and reused.
    /// </summary>
    private sealed class Cache
    {
        private Tensor? memory, gradient;
        private float[]? memoryColumns, gradientColumns, spareMemory, spareGradient;

        /// <summary>The transposed values of <paramref name="tensor"/> when the last backward left them, else null.</summary>
        public float[]? Find(Tensor tensor, int total, bool gradient)
        {
            var (owner, columns) = gradient ? (this.gradient, gradientColumns) : (memory, memoryColumns);
            return ReferenceEquals(owner, tensor) && columns is not null && columns.Length >= total ? columns : null;
        }

        /// <summary>An array of at least <paramref name="total"/> floats that neither cached value uses.</summary>
        public float[] Spare(int total, bool gradient)
        {
            ref var spare = ref gradient ? ref spareGradient : ref spareMemory;
            var array = spare is not null && spare.Length >= total ? spare : new float[total];
            spare = null;
            return array;
        }

        /// <summary>Keeps this backward's input memory and its gradient, transposed; the arrays they replace become spares.</summary>
        public void Keep(Tensor memory, float[] memoryColumns, Tensor? gradient, float[]? gradientColumns)
        {
            spareMemory ??= this.memoryColumns;
            spareGradient ??= this.gradientColumns;
            (this.memory, this.memoryColumns) = (memory, memoryColumns);
            (this.gradient, this.gradientColumns) = (gradientColumns is null ? null : gradient, gradientColumns);
        }
    }

    /// <summary>
    /// The read's backward for one item, transposed, in one pass over the new memory: for the read words' gradient g [R, Wd],
    /// read weights w [R, N] and new memory M' [Wd, N], dw[h, n] += Σ_d g[h, d]·M'[d, n] and dM'[d, n] += Σ_h g[h, d]·w[h, n].
    /// </summary>
    private static void ReadBackward(ReadOnlySpan<float> newColumns, ReadOnlySpan<float> w, ReadOnlySpan<float> g, int width,
        Span<float> dW, Span<float> dNew)
    {
        int cells = newColumns.Length / width, reads = g.Length / width, lanes = Vector<float>.Count;
        if (w.Length < reads * cells || dW.Length < reads * cells || dNew.Length < newColumns.Length)
            throw new ArgumentException("NtmAccessKernel.ReadBackward: spans too short");
        ref float m0 = ref MemoryMarshal.GetReference(newColumns);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float dw0 = ref MemoryMarshal.GetReference(dW);
        ref float dm0 = ref MemoryMarshal.GetReference(dNew);
        // One head at a time, each a pass along the N cells with both sums in the same loop (one pass with one read head).
        for (int h = 0; h < reads; h++)
        {
            var gh = g.Slice(h * width, width);
            int head = h * cells, n = 0;
            for (; n <= cells - lanes; n += lanes)
            {
                var acc = Vector.LoadUnsafe(ref dw0, (nuint)(head + n));
                var wv = Vector.LoadUnsafe(ref w0, (nuint)(head + n));
                for (int d = 0; d < width; d++)
                {
                    nuint at = (nuint)(d * cells + n);
                    acc += Vector.LoadUnsafe(ref m0, at) * gh[d];
                    (Vector.LoadUnsafe(ref dm0, at) + wv * gh[d]).StoreUnsafe(ref dm0, at);
                }
                acc.StoreUnsafe(ref dw0, (nuint)(head + n));
            }
            for (; n < cells; n++)
            {
                float acc = dW[head + n], wn = w[head + n];
                for (int d = 0; d < width; d++)
                {
                    acc += newColumns[d * cells + n] * gh[d];
                    dNew[d * cells + n] += wn * gh[d];
                }
                dW[head + n] = acc;
            }
        }
    }

    /// <summary>
    /// One item's erase then add, transposed: newColumns[d, n] = columns[d, n]·Π_k(1 − w_k[n]·e_k[d]) + Σ_k w_k[n]·a_k[d],
    /// for memory [Wd, N], write weights w [W, N], erase vectors e and add vectors a [W, Wd].
    /// </summary>
    private static void EraseAndAdd(ReadOnlySpan<float> columns, ReadOnlySpan<float> w, ReadOnlySpan<float> e, ReadOnlySpan<float> a,
        int width, Span<float> newColumns)
    {
        int cells = columns.Length / width, writes = e.Length / width, lanes = Vector<float>.Count;
        if (newColumns.Length < columns.Length || w.Length < writes * cells || a.Length < e.Length)
            throw new ArgumentException("NtmAccessKernel.EraseAndAdd: spans too short");
        ref float m0 = ref MemoryMarshal.GetReference(columns);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float o0 = ref MemoryMarshal.GetReference(newColumns);
        for (int d = 0; d < width; d++)
        {
            int n = 0, row = d * cells;
            for (; n <= cells - lanes; n += lanes)
            {
                var m = Vector.LoadUnsafe(ref m0, (nuint)(row + n));
                for (int k = 0; k < writes; k++) m *= Vector<float>.One - Vector.LoadUnsafe(ref w0, (nuint)(k * cells + n)) * e[k * width + d];
                for (int k = 0; k < writes; k++) m += Vector.LoadUnsafe(ref w0, (nuint)(k * cells + n)) * a[k * width + d];
                m.StoreUnsafe(ref o0, (nuint)(row + n));
            }
            for (; n < cells; n++)
            {
                float m = Unsafe.Add(ref m0, row + n);
                for (int k = 0; k < writes; k++) m *= 1f - w[k * cells + n] * e[k * width + d];
                for (int k = 0; k < writes; k++) m += w[k * cells + n] * a[k * width + d];
                Unsafe.Add(ref o0, row + n) = m;
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="EraseAndAdd"/> from dM' (<paramref name="dNew"/>, [Wd, N]): dM = dM'·keep is written to
    /// <paramref name="dOld"/> (skipped when empty); dw_k(n) += Σ_d dM'·(a_k − M·keep¬k·e_k); de_k and da_k are written
    /// (<paramref name="dA"/> skipped when empty).
    /// </summary>
    private static void EraseAndAddBackward(ReadOnlySpan<float> dNew, ReadOnlySpan<float> columns, ReadOnlySpan<float> w,
        ReadOnlySpan<float> e, ReadOnlySpan<float> a, int width, Span<float> dOld, Span<float> dW, Span<float> dE, Span<float> dA)
    {
        int cells = columns.Length / width, writes = e.Length / width, lanes = Vector<float>.Count;
        if (dNew.Length < columns.Length || w.Length < writes * cells || dW.Length < writes * cells || (!dOld.IsEmpty && dOld.Length < columns.Length))
            throw new ArgumentException("NtmAccessKernel.EraseAndAddBackward: spans too short");
        ref float g0 = ref MemoryMarshal.GetReference(dNew);
        ref float m0 = ref MemoryMarshal.GetReference(columns);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float dw0 = ref MemoryMarshal.GetReference(dW);
        for (int d = 0; d < width; d++)
        {
            int row = d * cells;
            for (int k = 0; k < writes; k++)
            {
                float ek = e[k * width + d], ak = a[k * width + d];
                int head = k * cells;
                var erasedLanes = Vector<float>.Zero;
                var addedLanes = Vector<float>.Zero;
                int n = 0;
                for (; n <= cells - lanes; n += lanes)
                {
                    // keep¬k = Π_{j≠k}(1 − w_j e_j): one factor per other head (none with one write head).
                    var others = Vector<float>.One;
                    for (int j = 0; j < writes; j++)
                        if (j != k) others *= Vector<float>.One - Vector.LoadUnsafe(ref w0, (nuint)(j * cells + n)) * e[j * width + d];
                    var g = Vector.LoadUnsafe(ref g0, (nuint)(row + n));
                    var gm = g * Vector.LoadUnsafe(ref m0, (nuint)(row + n)) * others;
                    var wv = Vector.LoadUnsafe(ref w0, (nuint)(head + n));
                    (Vector.LoadUnsafe(ref dw0, (nuint)(head + n)) + g * ak - gm * ek).StoreUnsafe(ref dw0, (nuint)(head + n));
                    erasedLanes += gm * wv;
                    addedLanes += g * wv;
                }
                float erased = Vector.Sum(erasedLanes), added = Vector.Sum(addedLanes);
                for (; n < cells; n++)
                {
                    float others = 1f;
                    for (int j = 0; j < writes; j++)
                        if (j != k) others *= 1f - w[j * cells + n] * e[j * width + d];
                    float g = dNew[row + n], gm = g * columns[row + n] * others;
                    dW[head + n] += g * ak - gm * ek;
                    erased += gm * w[head + n];
                    added += g * w[head + n];
                }
                dE[k * width + d] = -erased;
                if (!dA.IsEmpty) dA[k * width + d] = added;
            }
            if (dOld.IsEmpty) continue;
            // dM = dM'·keep.
            ref float o0 = ref MemoryMarshal.GetReference(dOld);
            int i = 0;
            for (; i <= cells - lanes; i += lanes)
            {
                var value = Vector.LoadUnsafe(ref g0, (nuint)(row + i));
                for (int k = 0; k < writes; k++) value *= Vector<float>.One - Vector.LoadUnsafe(ref w0, (nuint)(k * cells + i)) * e[k * width + d];
                value.StoreUnsafe(ref o0, (nuint)(row + i));
            }
            for (; i < cells; i++)
            {
                float value = dNew[row + i];
                for (int k = 0; k < writes; k++) value *= 1f - w[k * cells + i] * e[k * width + d];
                dOld[row + i] = value;
            }
        }
    }

    /// <summary>Item <paramref name="b"/>'s gradient slices of a head group whose parts start at input <paramref name="first"/> and whose previous weights are input <paramref name="previous"/>.</summary>
    private static NtmAddressingKernel.ItemGradients Gradients(Tensor?[] grads, int first, int previous, int b, int heads, int cells, int width,
        Span<float> memory) => new()
    {
        Memory = memory,
        Previous = AddressingMath.ItemSlice(grads[previous], b, heads * cells),
        Keys = AddressingMath.ItemSlice(grads[first], b, heads * width),
        Strengths = AddressingMath.ItemSlice(grads[first + 1], b, heads),
        Gates = AddressingMath.ItemSlice(grads[first + 2], b, heads),
        Shifts = AddressingMath.ItemSlice(grads[first + 3], b, heads * NtmAddressing.ShiftCount),
        Sharpening = AddressingMath.ItemSlice(grads[first + 4], b, heads),
    };
}
