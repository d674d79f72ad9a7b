using System.Numerics;
using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// One NTM memory step as one fused op with a hand-written backward: the write heads address the previous memory
/// (<see cref="NtmAddressingKernel"/>), erase then add, the read heads address the new memory and read it. Memory-sized
/// work stays inside the op: the new memory is its only memory-sized output, its backward takes one memory-sized
/// gradient (from the next step) and returns one (the previous memory's), and the new memory's own gradient (the
/// next step's plus what the reads and the read heads' content addressing add) lives in one arena buffer. The values and
/// the order of every float sum are those of the unfused composition (address, <see cref="NtmMemory.Write"/>, address,
/// <see cref="NtmMemory.Read"/>) under the engine's backward order, so training through it is bit-identical.
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
        var saved = new float[batch * layout.PerItem];
        var newMemory = GC.AllocateUninitializedArray<float>(memory.Size);
        var writeWeights = new float[batch * writes * cells];
        var readWeights = new float[batch * reads * cells];
        var readWords = new float[batch * reads * width];
        // Multiply-adds per item: content, erase and add, content, read.
        BatchParallel.For(batch, (3L * writes + 2L * reads + 2) * cells * width, b =>
        {
            var item = saved.AsSpan(b * layout.PerItem, layout.PerItem);
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var mNew = newMemory.AsSpan(b * cells * width, cells * width);
            var ww = writeWeights.AsSpan(b * writes * cells, writes * cells);
            var wr = readWeights.AsSpan(b * reads * cells, reads * cells);
            NtmAddressingKernel.ForwardItem(m, width, previousWrite.Values.Slice(b * writes * cells, writes * cells),
                NtmAddressingKernel.Item(writeHead, b, writes, width), item[..layout.WriteSaved], ww);
            var erase = item.Slice(layout.EraseAt, writes * width);
            FloatMath.Sigmoid(eraseLogits.Values.Slice(b * writes * width, writes * width), erase);
            var a = add.Values.Slice(b * writes * width, writes * width);
            // Every head's erase, then every head's add, row by row.
            for (int n = 0; n < cells; n++)
            {
                var row = mNew.Slice(n * width, width);
                m.Slice(n * width, width).CopyTo(row);
                for (int k = 0; k < writes; k++) MultiplyByFactor(row, ww[k * cells + n], erase.Slice(k * width, width), row);
                for (int k = 0; k < writes; k++) AddressingMath.MultiplyAdd(a.Slice(k * width, width), ww[k * cells + n], row);
            }
            NtmAddressingKernel.ForwardItem(mNew, width, previousRead.Values.Slice(b * reads * cells, reads * cells),
                NtmAddressingKernel.Item(readHead, b, reads, width), item.Slice(layout.WriteSaved, layout.ReadSaved), wr);
            for (int h = 0; h < reads; h++)
            {
                var word = readWords.AsSpan((b * reads + h) * width, width);
                for (int n = 0; n < cells; n++) AddressingMath.MultiplyAdd(mNew.Slice(n * width, width), wr[h * cells + n], word);
            }
        });

        Tensor[] outputs =
        [
            new Tensor(newMemory, memory.ShapeArray()), new Tensor(writeWeights, batch, writes, cells),
            new Tensor(readWeights, batch, reads, cells), new Tensor(readWords, batch, reads, width),
        ];
        Tensor[] inputs =
        [
            memory, previousWrite, previousRead,
            writeHead.Keys, writeHead.Strengths, writeHead.Gates, writeHead.Shifts, writeHead.Sharpening, eraseLogits, add,
            readHead.Keys, readHead.Strengths, readHead.Gates, readHead.Shifts, readHead.Sharpening,
        ];
        Tensor.Custom("NtmAccess.Step", outputs, inputs, g => Backward(g, outputs, inputs, saved, layout));
        return (outputs[0], outputs[1], outputs[2], outputs[3]);
    }

    /// <summary>Where an item's saved values lie: the write heads' addressing, the read heads' addressing, the erase vectors σ(ê) [W, Wd].</summary>
    private sealed record Layout(int Cells, int Width, int Writes, int Reads)
    {
        public int WriteSaved { get; } = NtmAddressingKernel.SavedPerItem(Writes, Cells);

        public int ReadSaved { get; } = NtmAddressingKernel.SavedPerItem(Reads, Cells);

        public int EraseAt => WriteSaved + ReadSaved;

        public int PerItem => EraseAt + Writes * Width;
    }

    /// <summary>
    /// In reverse: the read words' gradient gives dw_r(h, n) = g_r,h·M'(n) (added to the next step's); the read heads'
    /// addressing backward gives dM' (content part), to which the next step's dM' and Σ_h w_r,h(n)·g_r,h are added; the
    /// erase-and-add backward (keep = Π_k(1 − w_k e_k), keep¬k without head k) gives dw_k(n) = dM'·(a_k − M·keep¬k·e_k),
    /// de_k = −Σ_n dM'·M·keep¬k·w_k, da_k = Σ_n dM'·w_k; the write heads' addressing backward gives dM (content part), to
    /// which dM'·keep is added.
    /// </summary>
    private static Tensor?[] Backward(Tensor?[] g, Tensor[] outputs, Tensor[] x, float[] saved, Layout layout)
    {
        var (memory, previousWrite, previousRead, add) = (x[0], x[1], x[2], x[9]);
        var writeHead = new NtmHeadInterface(x[3], x[4], x[5], x[6], x[7]);
        var readHead = new NtmHeadInterface(x[10], x[11], x[12], x[13], x[14]);
        int batch = memory.Dim(0), cells = layout.Cells, width = layout.Width, writes = layout.Writes, reads = layout.Reads;
        var grads = new Tensor?[x.Length];
        for (int i = 0; i < x.Length; i++) grads[i] = x[i].RequiresGrad ? Tensor.BackwardBuffer(x[i].ShapeArray()) : null;
        // dL/dM' of the whole batch, the one memory-sized temporary (from the arena, so no allocation once warm).
        var dNewMemory = Tensor.BackwardBuffer(memory.ShapeArray());
        var (gMemory, gWrite, gRead, gWords) = (g[0], g[1], g[2], g[3]);
        BatchParallel.For(batch, 2L * (3L * writes + 2L * reads + 2) * cells * width, b =>
        {
            int scratchSize = reads * cells + writes * cells + writes * width + 3 * width;
            Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
            var dRead = scratch[..(reads * cells)];
            var dWrite = scratch.Slice(reads * cells, writes * cells);
            var dErase = scratch.Slice((reads + writes) * cells, writes * width);
            var rowScratch = scratch[((reads + writes) * cells + writes * width)..];
            Span<float> temp = rowScratch[..width], gm = rowScratch.Slice(width, width), erased = rowScratch.Slice(2 * width, width);
            dErase.Clear();
            var item = saved.AsSpan(b * layout.PerItem, layout.PerItem);
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var mNew = outputs[0].Values.Slice(b * cells * width, cells * width);
            var ww = outputs[1].Values.Slice(b * writes * cells, writes * cells);
            var wr = outputs[2].Values.Slice(b * reads * cells, reads * cells);
            var dm = dNewMemory.Data.Slice(b * cells * width, cells * width);
            var gr = gWords is null ? default : gWords.Values.Slice(b * reads * width, reads * width);

            // Reads: dw_r = (next step's) + g_r·M'(n).
            if (gRead is null) dRead.Clear();
            else gRead.Values.Slice(b * reads * cells, reads * cells).CopyTo(dRead);
            if (gWords is not null)
                for (int n = 0; n < cells; n++)
                    for (int h = 0; h < reads; h++)
                        dRead[h * cells + n] += AddressingMath.Dot(gr.Slice(h * width, width), mNew.Slice(n * width, width));
            NtmAddressingKernel.BackwardItem(dRead, wr, mNew, width, previousRead.Values.Slice(b * reads * cells, reads * cells),
                NtmAddressingKernel.Item(readHead, b, reads, width), item.Slice(layout.WriteSaved, layout.ReadSaved),
                Gradients(grads, 10, 2, b, reads, cells, width, dm));
            // dM' = content part + (next step's + Σ_h w_r,h·g_r,h), in the engine's order of the unfused sum.
            for (int n = 0; n < cells; n++)
            {
                var next = gMemory is null ? default : gMemory.Values.Slice((b * cells + n) * width, width);
                if (gWords is null)
                {
                    if (gMemory is not null) Add(dm.Slice(n * width, width), next, dm.Slice(n * width, width));
                    continue;
                }
                AddressingMath.Scale(gr[..width], wr[n], temp);
                for (int h = 1; h < reads; h++) AddressingMath.MultiplyAdd(gr.Slice(h * width, width), wr[h * cells + n], temp);
                if (gMemory is not null) Add(next, temp, temp);
                Add(dm.Slice(n * width, width), temp, dm.Slice(n * width, width));
            }

            // Erase and add.
            var erase = item.Slice(layout.EraseAt, writes * width);
            var a = add.Values.Slice(b * writes * width, writes * width);
            var dAdd = grads[9] is { } dAddTensor ? dAddTensor.Data.Slice(b * writes * width, writes * width) : default;
            var nextWrite = gWrite is null ? default : gWrite.Values.Slice(b * writes * cells, writes * cells);
            for (int n = 0; n < cells; n++)
            {
                var gRow = dm.Slice(n * width, width);
                Multiply(gRow, m.Slice(n * width, width), gm);
                for (int k = 0; k < writes; k++)
                {
                    float weight = ww[k * cells + n];
                    gm.CopyTo(erased);
                    for (int j = 0; j < writes; j++)
                        if (j != k) MultiplyByFactor(erased, ww[j * cells + n], erase.Slice(j * width, width), erased);
                    var ek = erase.Slice(k * width, width);
                    float dw = AddressingMath.Dot(gRow, a.Slice(k * width, width)) - AddressingMath.Dot(erased, ek);
                    dWrite[k * cells + n] = gWrite is null ? dw : nextWrite[k * cells + n] + dw;
                    AddressingMath.MultiplyAdd(erased, -weight, dErase.Slice(k * width, width));
                    if (!dAdd.IsEmpty) AddressingMath.MultiplyAdd(gRow, weight, dAdd.Slice(k * width, width));
                }
            }
            if (grads[8] is { } dLogits)
            {
                // Through the sigmoid, as the engine's Sigmoid backward: g·y·(1 − y).
                var d = dLogits.Data.Slice(b * writes * width, writes * width);
                for (int i = 0; i < d.Length; i++) d[i] = dErase[i] * erase[i] * (1f - erase[i]);
            }
            var dOld = grads[0] is { } dMemory ? dMemory.Data.Slice(b * cells * width, cells * width) : default;
            NtmAddressingKernel.BackwardItem(dWrite, ww, m, width, previousWrite.Values.Slice(b * writes * cells, writes * cells),
                NtmAddressingKernel.Item(writeHead, b, writes, width), item[..layout.WriteSaved],
                Gradients(grads, 3, 1, b, writes, cells, width, dOld));
            if (dOld.IsEmpty) return;
            // dM = content part + dM'·keep.
            for (int n = 0; n < cells; n++)
            {
                dm.Slice(n * width, width).CopyTo(temp);
                for (int k = 0; k < writes; k++) MultiplyByFactor(temp, ww[k * cells + n], erase.Slice(k * width, width), temp);
                Add(dOld.Slice(n * width, width), temp, dOld.Slice(n * width, width));
            }
        });
        return grads;
    }

    /// <summary>Item <paramref name="b"/>'s gradient slices of a head group whose parts start at input <paramref name="first"/> and whose previous weights are input <paramref name="previous"/>.</summary>
    private static NtmAddressingKernel.ItemGradients Gradients(Tensor?[] grads, int first, int previous, int b, int heads, int cells, int width,
        Span<float> memory) => new()
    {
        Memory = memory,
        Previous = NtmAddressingKernel.Slice(grads[previous], b, heads * cells),
        Keys = NtmAddressingKernel.Slice(grads[first], b, heads * width),
        Strengths = NtmAddressingKernel.Slice(grads[first + 1], b, heads),
        Gates = NtmAddressingKernel.Slice(grads[first + 2], b, heads),
        Shifts = NtmAddressingKernel.Slice(grads[first + 3], b, heads * NtmAddressing.ShiftCount),
        Sharpening = NtmAddressingKernel.Slice(grads[first + 4], b, heads),
    };

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
    private static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination) =>
        System.Numerics.Tensors.TensorPrimitives.Multiply(a, b, destination);

    /// <summary>destination = a + b, element-wise.</summary>
    private static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination) =>
        System.Numerics.Tensors.TensorPrimitives.Add(a, b, destination);
}
