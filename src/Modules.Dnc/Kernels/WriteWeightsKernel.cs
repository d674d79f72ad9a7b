using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Allocation of the write heads and their gated write weights w = g_w·(g_a·a + (1 − g_a)·c) as one fused op: usage [B, N],
/// content weights c [B, W, N], allocation and write gates [B, W] (after sigmoid) → write weights [B, W, N]. The heads
/// allocate in turn with g = g_a·g_w (see <see cref="AllocationKernel"/>). Per item the forward keeps
/// <see cref="SavedPerItem"/> floats: g [W], the allocation's saved values, then the allocation weights a [W, N].
/// </summary>
internal static class WriteWeightsKernel
{
    /// <summary>Floats an item's forward keeps for its backward: g [W], the allocation's saved values, then a [W, N].</summary>
    public static int SavedPerItem(int writes, int cells) => writes + AllocationKernel.SavedPerItem(writes, cells) + writes * cells;

    /// <summary>The fused op; shapes are checked by the caller.</summary>
    public static Tensor Compute(Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate, float epsilon)
    {
        int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeContent.Dim(1), perItem = SavedPerItem(writes, cells);
        var saved = Tensor.AllocateUninitialized(batch * perItem);   // uncleared here and below: ForwardItem writes every element
        var output = Tensor.AllocateUninitialized(batch, writes, cells);
        BatchParallel.For(batch, (long)writes * cells * 16, (usage, writeContent, allocationGate, writeGate, saved, output, cells, writes,
            perItem, epsilon), static (state, b) =>
        {
            var (usage, writeContent, allocationGate, writeGate, saved, output, cells, writes, perItem, epsilon) = state;
            ForwardItem(usage.Values.Slice(b * cells, cells), writeContent.Values.Slice(b * writes * cells, writes * cells),
                allocationGate.Values.Slice(b * writes, writes), writeGate.Values.Slice(b * writes, writes),
                saved.Data.Slice(b * perItem, perItem), output.Data.Slice(b * writes * cells, writes * cells), epsilon);
        });
        return Tensor.Custom("WriteWeights", output, [usage, writeContent, allocationGate, writeGate], (saved, epsilon),
            static (x, s, grad) => Backward(grad, s.saved, s.epsilon, x[0], x[1], x[2], x[3]));
    }

    /// <summary>
    /// One item: usage u [N], content weights c [W, N], gates g_a and g_w [W] → write weights w [W, N] (every element
    /// written); fills <paramref name="saved"/> (<see cref="SavedPerItem"/> floats).
    /// </summary>
    public static void ForwardItem(ReadOnlySpan<float> usage, ReadOnlySpan<float> c, ReadOnlySpan<float> ga, ReadOnlySpan<float> gw,
        Span<float> saved, Span<float> weights, float epsilon)
    {
        int cells = usage.Length, writes = ga.Length;
        int allocation = AllocationKernel.SavedPerItem(writes, cells);
        Span<float> gates = saved[..writes], allocationSaved = saved.Slice(writes, allocation), a = saved.Slice(writes + allocation, writes * cells);
        for (int h = 0; h < writes; h++) gates[h] = ga[h] * gw[h];
        AllocationKernel.ForwardItem(usage, gates, allocationSaved, a, epsilon);
        for (int h = 0; h < writes; h++)
        {
            float g = ga[h], w = gw[h];
            for (int n = h * cells; n < (h + 1) * cells; n++) weights[n] = w * (g * a[n] + (1f - g) * c[n]);
        }
    }

    private static Tensor?[] Backward(Tensor grad, Tensor saved, float epsilon, Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate)
    {
        int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeContent.Dim(1), perItem = SavedPerItem(writes, cells);
        var dUsage = usage.RequiresGrad ? Tensor.BackwardBuffer(usage.Shape) : null;
        var dContent = writeContent.RequiresGrad ? Tensor.BackwardBuffer(writeContent.Shape) : null;
        var dAllocationGate = allocationGate.RequiresGrad ? Tensor.BackwardBuffer(allocationGate.Shape) : null;
        var dWriteGate = writeGate.RequiresGrad ? Tensor.BackwardBuffer(writeGate.Shape) : null;
        BatchParallel.For(batch, (long)writes * cells * 8, (grad, saved, epsilon, usage, writeContent, allocationGate, writeGate, dUsage,
            dContent, dAllocationGate, dWriteGate, cells, writes, perItem), static (state, b) =>
        {
            var (grad, saved, epsilon, usage, writeContent, allocationGate, writeGate, dUsage, dContent, dAllocationGate, dWriteGate, cells,
                writes, perItem) = state;
            int wn = writes * cells;
            BackwardItem(grad.Values.Slice(b * wn, wn), writeContent.Values.Slice(b * wn, wn), allocationGate.Values.Slice(b * writes, writes),
                writeGate.Values.Slice(b * writes, writes), saved.Values.Slice(b * perItem, perItem),
                AddressingMath.ItemSlice(dUsage, b, cells), AddressingMath.ItemSlice(dContent, b, wn),
                AddressingMath.ItemSlice(dAllocationGate, b, writes),
                AddressingMath.ItemSlice(dWriteGate, b, writes), epsilon);
        });
        return Tensor.GradientSlots(dUsage, dContent, dAllocationGate, dWriteGate);
    }

    /// <summary>
    /// One item's backward from G = dL/dw [W, N]: da = G·g_w·g_a, dc = G·g_w·(1 − g_a), dg_w = Σ_N G·(g_a·a + (1 − g_a)·c),
    /// dg_a = Σ_N G·g_w·(a − c); the allocation's backward adds dL/du and dL/dg, and g = g_a·g_w passes dg on to both gates.
    /// Each gradient is written (not added) and skipped when its span is empty.
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> grad, ReadOnlySpan<float> c, ReadOnlySpan<float> ga, ReadOnlySpan<float> gw,
        ReadOnlySpan<float> saved, Span<float> dUsage, Span<float> dContent, Span<float> dAllocationGate, Span<float> dWriteGate, float epsilon)
    {
        int writes = ga.Length, cells = c.Length / writes, scratchSize = writes * cells + 3 * writes;
        ReadOnlySpan<float> gates = saved[..writes];
        ReadOnlySpan<float> allocationSaved = saved.Slice(writes, AllocationKernel.SavedPerItem(writes, cells));
        ReadOnlySpan<float> a = saved.Slice(writes + allocationSaved.Length, writes * cells);
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dAllocation = scratch[..(writes * cells)];
        var dA = scratch.Slice(writes * cells, writes);                // dL/dg_a and dL/dg_w before the allocation's share
        var dW = scratch.Slice(writes * cells + writes, writes);
        bool wantContent = !dContent.IsEmpty;
        for (int h = 0; h < writes; h++)
        {
            float gA = ga[h], gW = gw[h];
            float sumA = 0f, sumW = 0f;
            for (int n = h * cells; n < (h + 1) * cells; n++)
            {
                float gn = grad[n] * gW;
                dAllocation[n] = gn * gA;
                if (wantContent) dContent[n] = gn * (1f - gA);
                sumA += gn * (a[n] - c[n]);
                sumW += grad[n] * (gA * a[n] + (1f - gA) * c[n]);
            }
            dA[h] = sumA;
            dW[h] = sumW;
        }
        bool wantGates = (!dAllocationGate.IsEmpty || !dWriteGate.IsEmpty) && writes > 1;
        var dGates = wantGates ? scratch.Slice(writes * cells + 2 * writes, writes) : default;
        AllocationKernel.BackwardItem(dAllocation, gates, allocationSaved, a, cells, dUsage, dGates, epsilon);
        if (wantGates)
            for (int h = 0; h < writes; h++)
            {
                dA[h] += dGates[h] * gw[h];
                dW[h] += dGates[h] * ga[h];
            }
        if (!dAllocationGate.IsEmpty) dA.CopyTo(dAllocationGate);
        if (!dWriteGate.IsEmpty) dW.CopyTo(dWriteGate);
    }
}
