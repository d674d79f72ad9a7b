using Modules.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Modules.Dnc.Kernels;

/// <summary>
/// One DNC memory step (<see cref="MemoryAccess.Apply"/>) as two fused ops with hand-written backward passes, around the
/// two content lookups, which stay modules of their own (a <see cref="ContentAddressing"/> the user passed in still runs):
/// <see cref="Write"/> takes the write content weights and does the gate activations, usage, allocation, write weights and
/// erase-and-write; <see cref="Read"/> takes the read content weights and does the read-mode softmax, link update, read
/// weights and read words. Each runs the per-item functions of the single-purpose kernels (<see cref="UsageKernel"/>,
/// <see cref="WriteWeightsKernel"/>, <see cref="EraseAndWriteKernel"/>, <see cref="LinkUpdateAndRead"/>,
/// <see cref="ReadWordsKernel"/>) in the composed order, so the forward values are the same floats as the ops one by one;
/// the point is the per-op cost (nodes, output tensors, checks, backward calls), which dominates at small memories.
/// Shapes are checked by the caller.
/// </summary>
internal static class AccessStepKernel
{
    /// <summary>
    /// The write half: previous usage [B, N], previous write weights [B, W, N] (read through a stop-gradient, as the usage
    /// update does), free-gate logits [B, R], previous read weights [B, R, N], write content weights [B, W, N],
    /// allocation- and write-gate logits [B, W], erase logits and write vectors [B, W, Wd], memory [B, N, Wd] → usage
    /// [B, N], write weights [B, W, N], new memory [B, N, Wd].
    /// </summary>
    public static (Tensor Usage, Tensor WriteWeights, Tensor Memory) Write(Tensor previousUsage, Tensor previousWriteWeights, Tensor freeLogits,
        Tensor previousReadWeights, Tensor writeContent, Tensor allocationLogits, Tensor writeGateLogits, Tensor eraseLogits, Tensor writeVectors,
        Tensor memory, float epsilon)
    {
        var size = new Sizes(memory.Dim(0), memory.Dim(1), memory.Dim(2), freeLogits.Dim(1), writeContent.Dim(1), epsilon);
        // One block for the step's saved values, from the step's arena; uncleared here and below: every element is written.
        var saved = Tensor.AllocateUninitialized(size.Batch * size.WriteSavedPerItem);
        var usage = Tensor.AllocateUninitialized(size.Batch, size.Cells);
        var writeWeights = Tensor.AllocateUninitialized(size.Batch, size.Writes, size.Cells);
        var newMemory = Tensor.AllocateUninitialized(memory.Shape);
        Tensor[] inputs = [previousUsage, freeLogits, previousReadWeights, writeContent, allocationLogits, writeGateLogits, eraseLogits, writeVectors, memory];
        var forward = new WriteTensors(inputs, previousWriteWeights, saved, usage, writeWeights, newMemory, null, null, null);
        BatchParallel.For(size.Batch, size.WriteWork, (forward, size), static (state, b) => WriteForwardItem(state.forward, state.size, b));
        Tensor.Custom("MemoryAccess.Write", [usage, writeWeights, newMemory], inputs, (forward, size),
            static (x, s, g) => WriteBackward(s.forward with { UsageGrad = g[0], WriteWeightsGrad = g[1], MemoryGrad = g[2] }, s.size));
        return (usage, writeWeights, newMemory);
    }

    /// <summary>
    /// The read half: write weights [B, W, N], previous link [B, W, N, N] and precedence [B, W, N], previous read weights
    /// [B, R, N], read content weights [B, R, N], read-mode logits [B, R, 2W + 1], new memory [B, N, Wd] → new link,
    /// new precedence, read weights [B, R, N], read words [B, R, Wd] and the read modes after the softmax [B, R, 2W + 1].
    /// </summary>
    public static (Tensor Link, Tensor Precedence, Tensor ReadWeights, Tensor ReadWords, Tensor ReadModes) Read(Tensor writeWeights, Tensor previousLink,
        Tensor previousPrecedence, Tensor previousReadWeights, Tensor readContent, Tensor modeLogits, Tensor memory)
    {
        var size = new Sizes(memory.Dim(0), memory.Dim(1), memory.Dim(2), previousReadWeights.Dim(1), writeWeights.Dim(1), 0f);
        var link = Tensor.AllocateUninitialized(previousLink.Shape);
        var precedence = Tensor.AllocateUninitialized(previousPrecedence.Shape);
        var readWeights = Tensor.AllocateUninitialized(size.Batch, size.Reads, size.Cells);
        var readWords = Tensor.AllocateUninitialized(size.Batch, size.Reads, size.Width);
        var readModes = Tensor.AllocateUninitialized(modeLogits.Shape);
        Tensor[] inputs = [writeWeights, previousLink, previousPrecedence, previousReadWeights, readContent, modeLogits, memory];
        Tensor[] outputs = [link, precedence, readWeights, readWords, readModes];
        BatchParallel.For(size.Batch, size.ReadWork, (inputs, outputs, size), static (state, b) => ReadForwardItem(state.inputs, state.outputs, state.size, b));
        Tensor.Custom("MemoryAccess.Read", outputs, inputs, (outputs, size), static (x, s, g) => ReadBackward(x, s.outputs, g, s.size));
        return (link, precedence, readWeights, readWords, readModes);
    }

    /// <summary>The step's sizes and the per-item lengths of its arrays.</summary>
    private readonly record struct Sizes(int Batch, int Cells, int Width, int Reads, int Writes, float Epsilon)
    {
        public int Modes => 2 * Writes + 1;

        /// <summary>Saved per item by the write half: σ(free) [R], σ(allocation gate) [W], σ(write gate) [W], σ(erase) [W, Wd], then the write weights' saved values.</summary>
        public int WriteSavedPerItem => Reads + 2 * Writes + Writes * Width + WriteWeightsKernel.SavedPerItem(Writes, Cells);

        public int EraseAt => Reads + 2 * Writes;

        public int WeightsSavedAt => EraseAt + Writes * Width;

        /// <summary>Multiply-adds per item of the write half (for <see cref="BatchParallel"/>): erase and write, allocation, usage.</summary>
        public long WriteWork => 2L * Writes * Cells * Width + 16L * Writes * Cells + (long)Reads * Cells;

        /// <summary>Multiply-adds per item of the read half: the link pass with its reads, and the read words.</summary>
        public long ReadWork => (long)Writes * Cells * Cells * (1 + 2 * Reads) + (long)Reads * Cells * Width;
    }

    /// <summary>The write half's inputs (in the op's order), the stop-gradient previous write weights, saved block, outputs and, in backward, the outputs' gradients.</summary>
    private readonly record struct WriteTensors(Tensor[] Inputs, Tensor PreviousWriteWeights, Tensor Saved, Tensor Usage, Tensor WriteWeights, Tensor Memory,
        Tensor? UsageGrad, Tensor? WriteWeightsGrad, Tensor? MemoryGrad);

    private static void WriteForwardItem(WriteTensors t, Sizes s, int b)
    {
        int n = s.Cells, r = s.Reads, w = s.Writes, wd = s.Width;
        var x = t.Inputs;
        var item = t.Saved.Data.Slice(b * s.WriteSavedPerItem, s.WriteSavedPerItem);
        Span<float> free = item[..r], allocationGate = item.Slice(r, w), writeGate = item.Slice(r + w, w);
        Span<float> erase = item.Slice(s.EraseAt, w * wd), weightsSaved = item[s.WeightsSavedAt..];
        FloatMath.Sigmoid(x[1].Values.Slice(b * r, r), free);
        FloatMath.Sigmoid(x[4].Values.Slice(b * w, w), allocationGate);
        FloatMath.Sigmoid(x[5].Values.Slice(b * w, w), writeGate);
        FloatMath.Sigmoid(x[6].Values.Slice(b * w * wd, w * wd), erase);
        var usage = t.Usage.Data.Slice(b * n, n);
        var ww = t.WriteWeights.Data.Slice(b * w * n, w * n);
        UsageKernel.ForwardItem(x[0].Values.Slice(b * n, n), t.PreviousWriteWeights.Values.Slice(b * w * n, w * n), free,
            x[2].Values.Slice(b * r * n, r * n), usage);
        WriteWeightsKernel.ForwardItem(usage, x[3].Values.Slice(b * w * n, w * n), allocationGate, writeGate, weightsSaved, ww, s.Epsilon);
        EraseAndWriteKernel.ForwardItem(x[8].Values.Slice(b * n * wd, n * wd), ww, erase, x[7].Values.Slice(b * w * wd, w * wd),
            t.Memory.Data.Slice(b * n * wd, n * wd), wd);
    }

    /// <summary>
    /// In reverse: erase and write (dM, dw from the memory's gradient, de, dv), dw plus the write weights' own gradient
    /// through the write weights and allocation (dc, du, the gates), du plus the usage's own gradient through the usage
    /// update (the previous usage, free gates and previous read weights), and the sigmoids: dx = g·y·(1 − y).
    /// </summary>
    private static Tensor?[] WriteBackward(WriteTensors t, Sizes s)
    {
        var x = t.Inputs;
        var grads = Tensor.GradientSlots(x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            if (!x[i].RequiresGrad) continue;
            // Uncleared where the item functions write every element: all but dv (added to) and, without a memory gradient, dM (zero).
            bool written = i != 7 && (i != 8 || t.MemoryGrad is not null);
            grads[i] = written ? Tensor.BackwardBufferUninitialized(x[i].Shape) : Tensor.BackwardBuffer(x[i].Shape);
        }
        BatchParallel.For(s.Batch, 3 * s.WriteWork, (t, s, grads), static (state, b) => WriteBackwardItem(state.t, state.s, state.grads, b));
        return grads;
    }

    private static void WriteBackwardItem(WriteTensors t, Sizes s, Tensor?[] grads, int b)
    {
        int n = s.Cells, r = s.Reads, w = s.Writes, wd = s.Width;
        var x = t.Inputs;
        ReadOnlySpan<float> item = t.Saved.Values.Slice(b * s.WriteSavedPerItem, s.WriteSavedPerItem);
        ReadOnlySpan<float> free = item[..r], allocationGate = item.Slice(r, w), writeGate = item.Slice(r + w, w);
        ReadOnlySpan<float> erase = item.Slice(s.EraseAt, w * wd), weightsSaved = item[s.WeightsSavedAt..];
        var ww = t.WriteWeights.Values.Slice(b * w * n, w * n);
        int scratchSize = w * n + n + r + 2 * w + w * wd;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        scratch.Clear();
        var dWeights = scratch[..(w * n)];
        var dUsage = scratch.Slice(w * n, n);
        var dFree = scratch.Slice(w * n + n, r);
        var dAllocationGate = scratch.Slice(w * n + n + r, w);
        var dWriteGate = scratch.Slice(w * n + n + r + w, w);
        var dErase = scratch.Slice(w * n + n + r + 2 * w, w * wd);

        // Erase and write, from the new memory's gradient (none: every term is zero, and the buffers start at zero).
        if (t.MemoryGrad is { } memoryGrad)
            EraseAndWriteKernel.BackwardItem(memoryGrad.Values.Slice(b * n * wd, n * wd), x[8].Values.Slice(b * n * wd, n * wd), ww, erase,
                x[7].Values.Slice(b * w * wd, w * wd), wd, AddressingMath.ItemSlice(grads[8], b, n * wd), dWeights, dErase, AddressingMath.ItemSlice(grads[7], b, w * wd));
        if (t.WriteWeightsGrad is { } weightsGrad) TensorPrimitives.Add(dWeights, weightsGrad.Values.Slice(b * w * n, w * n), dWeights);

        // Write weights and allocation; then the usage update with the usage's own gradient added.
        WriteWeightsKernel.BackwardItem(dWeights, x[3].Values.Slice(b * w * n, w * n), allocationGate, writeGate, weightsSaved, dUsage,
            AddressingMath.ItemSlice(grads[3], b, w * n), dAllocationGate, dWriteGate, s.Epsilon);
        if (t.UsageGrad is { } usageGrad) TensorPrimitives.Add(dUsage, usageGrad.Values.Slice(b * n, n), dUsage);
        UsageKernel.BackwardItem(dUsage, x[0].Values.Slice(b * n, n), t.PreviousWriteWeights.Values.Slice(b * w * n, w * n), free,
            x[2].Values.Slice(b * r * n, r * n), AddressingMath.ItemSlice(grads[0], b, n), dFree, AddressingMath.ItemSlice(grads[2], b, r * n));

        FloatMath.SigmoidBackward(dFree, free, AddressingMath.ItemSlice(grads[1], b, r));
        FloatMath.SigmoidBackward(dAllocationGate, allocationGate, AddressingMath.ItemSlice(grads[4], b, w));
        FloatMath.SigmoidBackward(dWriteGate, writeGate, AddressingMath.ItemSlice(grads[5], b, w));
        FloatMath.SigmoidBackward(dErase, erase, AddressingMath.ItemSlice(grads[6], b, w * wd));
    }

    private static void ReadForwardItem(Tensor[] x, Tensor[] o, Sizes s, int b)
    {
        int n = s.Cells, r = s.Reads, w = s.Writes, wd = s.Width, m = s.Modes;
        var modes = o[4].Data.Slice(b * r * m, r * m);
        var logits = x[5].Values.Slice(b * r * m, r * m);
        // The softmax over each head's modes, as Tensor.Softmax computes it.
        for (int h = 0; h < r; h++) FloatMath.Softmax(logits.Slice(h * m, m), modes.Slice(h * m, m));
        var readWeights = o[2].Data.Slice(b * r * n, r * n);
        LinkUpdateAndRead.ForwardItem(x[1].Values.Slice(b * w * n * n, w * n * n), x[2].Values.Slice(b * w * n, w * n),
            x[0].Values.Slice(b * w * n, w * n), x[3].Values.Slice(b * r * n, r * n), x[4].Values.Slice(b * r * n, r * n), modes,
            o[0].Data.Slice(b * w * n * n, w * n * n), o[1].Data.Slice(b * w * n, w * n), readWeights, w);
        ReadWordsKernel.Forward(readWeights, x[6].Values.Slice(b * n * wd, n * wd), wd, o[3].Data.Slice(b * r * wd, r * wd));
    }

    /// <summary>
    /// In reverse: the read words (dw_r, dM), dw_r plus the read weights' own gradient through the link update and
    /// read-weight mix (the previous link, precedence and read weights, the write weights, the content weights, dπ), dπ plus
    /// the read modes' own gradient through the softmax: dx = y ⊙ (g − Σ g ⊙ y).
    /// </summary>
    private static Tensor?[] ReadBackward(Tensor[] x, Tensor[] o, Tensor?[] g, Sizes s)
    {
        var grads = Tensor.GradientSlots(x.Length);
        bool reads = g[2] is not null || g[3] is not null;
        for (int i = 0; i < x.Length; i++)
        {
            if (!x[i].RequiresGrad) continue;
            // Uncleared where every element is written: the previous link's gradient (row by row) and the content weights'
            // (π_content·g) whenever a link or read gradient comes in, the memory's when the words have a gradient, and the
            // mode logits' always (the softmax backward assigns every lane).
            bool written = i switch { 1 => g[0] is not null || reads, 4 => reads, 5 => true, 6 => g[3] is not null, _ => false };
            grads[i] = written ? Tensor.BackwardBufferUninitialized(x[i].Shape) : Tensor.BackwardBuffer(x[i].Shape);
        }
        BatchParallel.For(s.Batch, 3 * s.ReadWork, (x, o, g, grads, s), static (state, b) => ReadBackwardItem(state.x, state.o, state.g, state.grads, state.s, b));
        return grads;
    }

    private static void ReadBackwardItem(Tensor[] x, Tensor[] o, Tensor?[] g, Tensor?[] grads, Sizes s, int b)
    {
        int n = s.Cells, r = s.Reads, w = s.Writes, wd = s.Width, m = s.Modes;
        var readWeights = o[2].Values.Slice(b * r * n, r * n);
        var modes = o[4].Values.Slice(b * r * m, r * m);
        int scratchSize = r * n + r * m;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dRead = scratch[..(r * n)];
        var dModes = scratch.Slice(r * n, r * m);
        dModes.Clear();

        // The read words, then the read weights' own gradient added.
        scoped ReadOnlySpan<float> readGrad = default;
        if (g[3] is { } wordsGrad)
        {
            ReadWordsKernel.BackwardItem(wordsGrad.Values.Slice(b * r * wd, r * wd), readWeights, x[6].Values.Slice(b * n * wd, n * wd), wd,
                dRead, AddressingMath.ItemSlice(grads[6], b, n * wd));
            if (g[2] is { } weightsGrad) TensorPrimitives.Add(weightsGrad.Values.Slice(b * r * n, r * n), dRead, dRead);
            readGrad = dRead;
        }
        else if (g[2] is { } weightsGrad)
        {
            readGrad = weightsGrad.Values.Slice(b * r * n, r * n);
        }

        LinkUpdateAndRead.BackwardItem(x[1].Values.Slice(b * w * n * n, w * n * n), x[2].Values.Slice(b * w * n, w * n),
            x[0].Values.Slice(b * w * n, w * n), x[3].Values.Slice(b * r * n, r * n), x[4].Values.Slice(b * r * n, r * n), modes,
            o[0].Values.Slice(b * w * n * n, w * n * n), g[0] is { } linkGrad ? linkGrad.Values.Slice(b * w * n * n, w * n * n) : default,
            g[1] is { } precedenceGrad ? precedenceGrad.Values.Slice(b * w * n, w * n) : default, readGrad,
            AddressingMath.ItemSlice(grads[1], b, w * n * n), AddressingMath.ItemSlice(grads[2], b, w * n),
            AddressingMath.ItemSlice(grads[0], b, w * n), AddressingMath.ItemSlice(grads[3], b, r * n),
            AddressingMath.ItemSlice(grads[4], b, r * n), dModes, w);

        if (grads[5] is not { } dLogits) return;
        if (g[4] is { } modesGrad) TensorPrimitives.Add(dModes, modesGrad.Values.Slice(b * r * m, r * m), dModes);
        for (int h = 0; h < r; h++) FloatMath.SoftmaxBackward(modes.Slice(h * m, m), dModes.Slice(h * m, m), dLogits.Data.Slice((b * r + h) * m, m));
    }
}
