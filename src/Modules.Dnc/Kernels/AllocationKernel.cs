using System.Runtime.InteropServices;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Allocation weights of W write heads allocating in turn, one batch item at a time: head i maps its usage to
/// u' = ε + (1 − ε)·u, sorts cells by descending non-usage 1 − u' (ties: lower index first, as DeepMind's top-k),
/// takes a_sorted = (1 − u'_s)·exclusive_cumprod(u'_s), scatters back, then leaves u ← u + (1 − u)·g_i·a_i for the next
/// head. Every float operation is done in the order of the op-by-op composition, so the sort sees the same bits.
/// The forward keeps each head's input usage and sort permutation (<see cref="SavedPerItem"/> floats an item, in a block
/// the caller owns, next to the weights); the permutation is a constant of the backward.
/// </summary>
internal static class AllocationKernel
{
    /// <summary>Floats an item's forward keeps for its backward: the usage entering each head [W, N], then each head's cells in allocation order [W, N] (the bits of ints).</summary>
    public static int SavedPerItem(int writes, int cells) => 2 * writes * cells;

    /// <summary>
    /// One item's forward: usage [N] and, when there are several heads, the gates g [W] of the usage update between them
    /// (read only for heads before the last) → allocation weights [W, N] (every element written); fills
    /// <paramref name="saved"/> (<see cref="SavedPerItem"/> floats).
    /// </summary>
    public static void ForwardItem(ReadOnlySpan<float> usage, ReadOnlySpan<float> gates, Span<float> saved, Span<float> weights, float epsilon)
    {
        int cells = usage.Length, writes = weights.Length / Math.Max(cells, 1);
        if (saved.Length < SavedPerItem(writes, cells) || (writes > 1 && gates.Length < writes - 1))
            throw new ArgumentException($"AllocationKernel: {writes} heads of {cells} cells need {SavedPerItem(writes, cells)} saved floats and {writes - 1} gates, got {saved.Length} and {gates.Length}");
        Span<long> keys = cells <= AddressingMath.StackScratchLimit ? stackalloc long[cells] : new long[cells];
        var headUsage = saved[..(writes * cells)];
        var order = MemoryMarshal.Cast<float, int>(saved.Slice(writes * cells, writes * cells));
        usage.CopyTo(headUsage[..cells]);
        for (int i = 0; i < writes; i++)
        {
            var u = headUsage.Slice(i * cells, cells);
            var a = weights.Slice(i * cells, cells);
            var phi = order.Slice(i * cells, cells);
            for (int n = 0; n < cells; n++) keys[n] = SortKey(NonUsage(u[n], epsilon), n);
            keys.Sort();
            float running = 1f;                                           // exclusive cumulative product of sorted usage
            for (int j = 0; j < cells; j++)
            {
                int n = (int)(keys[j] & 0xFFFFFFFF);
                phi[j] = n;
                float free = NonUsage(u[n], epsilon);
                a[n] = free * running;
                running *= 1f - free;
            }
            if (i + 1 == writes) break;
            float gate = gates[i];
            var next = headUsage.Slice((i + 1) * cells, cells);
            for (int n = 0; n < cells; n++) next[n] = u[n] + (1f - u[n]) * gate * a[n];
        }
    }

    /// <summary>1 − (ε + (1 − ε)·u), in the composition's float order.</summary>
    private static float NonUsage(float u, float epsilon) => 1f - (epsilon + (1f - epsilon) * u);

    /// <summary>
    /// A key whose ascending order is descending <paramref name="value"/>, ties by ascending <paramref name="index"/>
    /// (the order of a stable top-k). NaN sorts last, as the smallest value.
    /// </summary>
    private static long SortKey(float value, int index)
    {
        uint bits;
        if (float.IsNaN(value)) bits = 0;
        else
        {
            int raw = BitConverter.SingleToInt32Bits(value == 0f ? 0f : value);   // −0 ties with +0
            bits = raw < 0 ? ~(uint)raw : (uint)raw | 0x80000000u;               // monotone in the float's value
        }
        return ((long)~bits << 32) | (uint)index;
    }

    /// <summary>
    /// One item's backward over the heads in reverse: <paramref name="dWeights"/> is dL/da [W, N]; writes dL/du [N] to
    /// <paramref name="dUsage"/> and dL/dg [W] to <paramref name="dGates"/> (each skipped when empty; the last head's gate
    /// gets 0, it updates nothing), from the forward's <paramref name="saved"/> values and <paramref name="weights"/> [W, N] of
    /// <paramref name="cells"/> cells a head.
    /// </summary>
    public static void BackwardItem(ReadOnlySpan<float> dWeights, ReadOnlySpan<float> gates, ReadOnlySpan<float> saved, ReadOnlySpan<float> weights,
        int cells, Span<float> dUsage, Span<float> dGates, float epsilon)
    {
        if (dUsage.IsEmpty && dGates.IsEmpty) return;
        int writes = weights.Length / cells;
        if (dWeights.Length < writes * cells || saved.Length < SavedPerItem(writes, cells) || (writes > 1 && gates.Length < writes - 1))
            throw new ArgumentException($"AllocationKernel: {writes} heads of {cells} cells need {writes * cells} gradients, {SavedPerItem(writes, cells)} saved floats and {writes - 1} gates, got {dWeights.Length}, {saved.Length} and {gates.Length}");
        var headUsage = saved[..(writes * cells)];
        var order = MemoryMarshal.Cast<float, int>(saved.Slice(writes * cells, writes * cells));
        int scratchSize = 5 * cells;
        Span<float> scratch = scratchSize <= AddressingMath.StackScratchLimit ? stackalloc float[scratchSize] : new float[scratchSize];
        var dNext = scratch[..cells];                                   // dL/d(usage leaving head i), by cell
        var dU = scratch.Slice(cells, cells);                           // dL/d(usage entering head i), by cell
        var dA = scratch.Slice(2 * cells, cells);                       // dL/da_i in total, by cell
        var sortedFree = scratch.Slice(3 * cells, cells);               // x_s = 1 − u'_s, in allocation order
        var cumprod = scratch.Slice(4 * cells, cells);                  // c = exclusive_cumprod(1 − x_s)
        dNext.Clear();
        for (int i = writes - 1; i >= 0; i--)
        {
            ReadOnlySpan<float> u = headUsage.Slice(i * cells, cells), a = weights.Slice(i * cells, cells);
            ReadOnlySpan<int> phi = order.Slice(i * cells, cells);
            var dAOut = dWeights.Slice(i * cells, cells);
            // Through u_next = u + (1 − u)·g·a (nothing for the last head, whose u_next is not used).
            float gate = i + 1 < writes ? gates[i] : 0f;
            float dGate = 0f;
            for (int n = 0; n < cells; n++)
            {
                float dPush = dNext[n] * (1f - u[n]);
                dA[n] = dAOut[n] + dPush * gate;
                dGate += dPush * a[n];
                dU[n] = dNext[n] * (1f - gate * a[n]);
            }
            if (!dGates.IsEmpty) dGates[i] = dGate;
            // Through a_s = x_s·c: walking from the most used cell, S_k = dc_{k+1} + (1 − x_{k+1})·S_{k+1} with
            // dc = da_s·x_s gives dx_k = c_k·(da_k − S_k); then u' = ε + (1 − ε)·u and x = 1 − u'.
            float running = 1f;
            for (int j = 0; j < cells; j++)
            {
                float free = NonUsage(u[phi[j]], epsilon);
                sortedFree[j] = free;
                cumprod[j] = running;
                running *= 1f - free;
            }
            float s = 0f;
            for (int k = cells - 1; k >= 0; k--)
            {
                if (k < cells - 1) s = dA[phi[k + 1]] * sortedFree[k + 1] + (1f - sortedFree[k + 1]) * s;
                float dFree = cumprod[k] * (dA[phi[k]] - s);
                dU[phi[k]] -= (1f - epsilon) * dFree;
            }
            dU.CopyTo(dNext);
        }
        if (!dUsage.IsEmpty) dNext.CopyTo(dUsage);
    }
}
