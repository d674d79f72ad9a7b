using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Allocation of the write heads and their gated write weights w = g_w·(g_a·a + (1 − g_a)·c) as one fused op: usage [B, N],
/// content weights c [B, W, N], allocation and write gates [B, W] (after sigmoid) → write weights [B, W, N]. The heads
/// allocate in turn with g = g_a·g_w (see <see cref="AllocationKernel"/>).
/// </summary>
internal static class WriteWeightsKernel
{
    /// <summary>The fused op; shapes are checked by the caller.</summary>
    public static Tensor Compute(Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate, float epsilon)
    {
        int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeContent.Dim(1);
        var gates = new Tensor(new float[batch * writes], batch, writes);
        var ga = allocationGate.Values; var gw = writeGate.Values;
        for (int i = 0; i < gates.Size; i++) gates.Data[i] = ga[i] * gw[i];
        var allocation = AllocationKernel.Forward(usage, gates, writes, epsilon);
        var a = allocation.Weights;
        var c = writeContent.Values;
        var weights = GC.AllocateUninitializedArray<float>(batch * writes * cells);
        for (int h = 0; h < batch * writes; h++)
        {
            float g = ga[h], w = gw[h];
            for (int n = h * cells; n < (h + 1) * cells; n++) weights[n] = w * (g * a[n] + (1f - g) * c[n]);
        }
        var output = new Tensor(weights, batch, writes, cells);
        return Tensor.Custom("WriteWeights", output, [usage, writeContent, allocationGate, writeGate],
            grad => Backward(grad, allocation, gates, usage, writeContent, allocationGate, writeGate));
    }

    /// <summary>
    /// da = G·g_w·g_a, dc = G·g_w·(1 − g_a), dg_w = Σ_N G·(g_a·a + (1 − g_a)·c), dg_a = Σ_N G·g_w·(a − c); the allocation's
    /// backward adds dL/du and dL/dg, and g = g_a·g_w passes dg on to both gates.
    /// </summary>
    private static Tensor?[] Backward(Tensor grad, AllocationKernel allocation, Tensor gates, Tensor usage, Tensor writeContent,
        Tensor allocationGate, Tensor writeGate)
    {
        int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeContent.Dim(1);
        var ga = allocationGate.Values; var gw = writeGate.Values;
        var a = allocation.Weights; var c = writeContent.Values; var g = grad.Values;
        var dAllocation = GC.AllocateUninitializedArray<float>(a.Length);
        var dContent = writeContent.RequiresGrad ? GC.AllocateUninitializedArray<float>(a.Length) : null;
        var dAllocationGate = new float[batch * writes];
        var dWriteGate = new float[batch * writes];
        for (int h = 0; h < batch * writes; h++)
        {
            float gA = ga[h], gW = gw[h];
            float dA = 0f, dW = 0f;
            for (int n = h * cells; n < (h + 1) * cells; n++)
            {
                float gn = g[n] * gW;
                dAllocation[n] = gn * gA;
                if (dContent is not null) dContent[n] = gn * (1f - gA);
                dA += gn * (a[n] - c[n]);
                dW += g[n] * (gA * a[n] + (1f - gA) * c[n]);
            }
            dAllocationGate[h] = dA;
            dWriteGate[h] = dW;
        }
        var dUsage = usage.RequiresGrad ? GC.AllocateUninitializedArray<float>(usage.Size) : null;
        bool wantGates = allocationGate.RequiresGrad || writeGate.RequiresGrad;
        var dGates = wantGates && writes > 1 ? new float[batch * writes] : null;
        allocation.Backward(new Tensor(dAllocation, batch, writes, cells), gates, dUsage, dGates);
        if (dGates is not null)
            for (int h = 0; h < batch * writes; h++)
            {
                dAllocationGate[h] += dGates[h] * gw[h];
                dWriteGate[h] += dGates[h] * ga[h];
            }
        return
        [
            dUsage is null ? null : new Tensor(dUsage, usage.ShapeArray()),
            dContent is null ? null : new Tensor(dContent, writeContent.ShapeArray()),
            allocationGate.RequiresGrad ? new Tensor(dAllocationGate, allocationGate.ShapeArray()) : null,
            writeGate.RequiresGrad ? new Tensor(dWriteGate, writeGate.ShapeArray()) : null,
        ];
    }
}
