using System.Runtime.InteropServices;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Allocation weights of W write heads allocating in turn, as one fused pass per batch item: head i maps its usage to
/// u' = ε + (1 − ε)·u, sorts cells by descending non-usage 1 − u' (ties: lower index first, as DeepMind's top-k),
/// takes a_sorted = (1 − u'_s)·exclusive_cumprod(u'_s), scatters back, then leaves u ← u + (1 − u)·g_i·a_i for the next
/// head. Every float operation is done in the order of the op-by-op composition, so the sort sees the same bits.
/// The forward keeps each head's input usage and sort permutation; the permutation is a constant of the backward.
/// </summary>
internal sealed class AllocationKernel
{
    private readonly int batch, cells, writes;
    private readonly float epsilon;

    /// <summary>Usage entering each head, [B, W, N].</summary>
    private readonly Tensor headUsage;

    /// <summary>Each head's cells in allocation order (least used first), [B, W, N], as the bits of ints (see <see cref="Order"/>).</summary>
    private readonly Tensor orderBits;

    /// <summary>The allocation weights, [B, W, N].</summary>
    public Tensor Weights { get; }

    private AllocationKernel(int batch, int cells, int writes, float epsilon)
    {
        this.batch = batch; this.cells = cells; this.writes = writes; this.epsilon = epsilon;
        headUsage = Tensor.Allocate(batch, writes, cells);
        orderBits = Tensor.Allocate(batch, writes, cells);
        Weights = Tensor.Allocate(batch, writes, cells);
    }

    /// <summary>The cell indices of head slot <paramref name="head"/> in allocation order (stored in a float tensor, so it comes from the step's arena).</summary>
    private Span<int> Order(int head) => MemoryMarshal.Cast<float, int>(orderBits.Data.Slice(head, cells));

    /// <summary>
    /// Runs the forward pass: usage [B, N] and, when there are several heads, the gates g [B, W] of the usage update between
    /// them (<paramref name="gates"/> is read only for heads before the last).
    /// </summary>
    public static AllocationKernel Forward(Tensor usage, Tensor? gates, int writes, float epsilon)
    {
        int batch = usage.Dim(0), cells = usage.Dim(1);
        var kernel = new AllocationKernel(batch, cells, writes, epsilon);
        BatchParallel.For(batch, (long)writes * cells * 16, (kernel, usage, gates), static (state, b) =>
        {
            var (kernel, usage, gates) = state;
            kernel.ForwardItem(b, usage, gates);
        });
        return kernel;
    }

    private void ForwardItem(int b, Tensor usage, Tensor? gates)
    {
        Span<long> keys = cells <= AddressingMath.StackScratchLimit ? stackalloc long[cells] : new long[cells];
        usage.Values.Slice(b * cells, cells).CopyTo(headUsage.Data.Slice(b * writes * cells, cells));
        for (int i = 0; i < writes; i++)
        {
            int head = (b * writes + i) * cells;
            var u = headUsage.Data.Slice(head, cells);
            var a = Weights.Data.Slice(head, cells);
            var phi = Order(head);
            for (int n = 0; n < cells; n++) keys[n] = SortKey(NonUsage(u[n]), n);
            keys.Sort();
            float running = 1f;                                           // exclusive cumulative product of sorted usage
            for (int j = 0; j < cells; j++)
            {
                int n = (int)(keys[j] & 0xFFFFFFFF);
                phi[j] = n;
                float free = NonUsage(u[n]);
                a[n] = free * running;
                running *= 1f - free;
            }
            if (i + 1 == writes) break;
            float gate = gates!.Values[b * writes + i];
            var next = headUsage.Data.Slice(head + cells, cells);
            for (int n = 0; n < cells; n++) next[n] = u[n] + (1f - u[n]) * gate * a[n];
        }
    }

    /// <summary>1 − (ε + (1 − ε)·u), in the composition's float order.</summary>
    private float NonUsage(float u) => 1f - (epsilon + (1f - epsilon) * u);

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
    /// Backward over the heads in reverse: <paramref name="dWeights"/> is dL/da [B, W, N] (any shape with that many elements); returns dL/du [B, N] in
    /// <paramref name="dUsage"/> (when not null) and dL/dg [B, W] in <paramref name="dGates"/> (when not null; the last head's
    /// gate gets 0, it updates nothing).
    /// </summary>
    public void Backward(Tensor dWeights, Tensor? gates, Tensor? dUsage, Tensor? dGates)
    {
        if (dUsage is null && dGates is null) return;
        BatchParallel.For(batch, (long)writes * cells * 8, (this, dWeights, gates, dUsage, dGates), static (state, b) =>
        {
            var (self, dWeights, gates, dUsage, dGates) = state;
            self.BackwardItem(b, dWeights, gates, dUsage, dGates);
        });
    }

    private void BackwardItem(int b, Tensor dWeights, Tensor? gates, Tensor? dUsage, Tensor? dGates)
    {
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
            int head = (b * writes + i) * cells;
            ReadOnlySpan<float> u = headUsage.Values.Slice(head, cells), a = Weights.Values.Slice(head, cells);
            ReadOnlySpan<int> phi = Order(head);
            var dAOut = dWeights.Values.Slice(head, cells);
            // Through u_next = u + (1 − u)·g·a (nothing for the last head, whose u_next is not used).
            float gate = i + 1 < writes ? gates!.Values[b * writes + i] : 0f;
            float dGate = 0f;
            for (int n = 0; n < cells; n++)
            {
                float dPush = dNext[n] * (1f - u[n]);
                dA[n] = dAOut[n] + dPush * gate;
                dGate += dPush * a[n];
                dU[n] = dNext[n] * (1f - gate * a[n]);
            }
            if (dGates is not null) dGates.Data[b * writes + i] = dGate;
            // Through a_s = x_s·c: walking from the most used cell, S_k = dc_{k+1} + (1 − x_{k+1})·S_{k+1} with
            // dc = da_s·x_s gives dx_k = c_k·(da_k − S_k); then u' = ε + (1 − ε)·u and x = 1 − u'.
            float running = 1f;
            for (int j = 0; j < cells; j++)
            {
                float free = NonUsage(u[phi[j]]);
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
        if (dUsage is not null) dNext.CopyTo(dUsage.Data.Slice(b * cells, cells));
    }
}
