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
        var gates = Tensor.AllocateUninitialized(batch, writes);   // uncleared here and below: the loops write every element
        var ga = allocationGate.Values; var gw = writeGate.Values;
        for (int i = 0; i < gates.Size; i++) gates.Data[i] = ga[i] * gw[i];
        var allocation = AllocationKernel.Forward(usage, gates, writes, epsilon);
        var a = allocation.Weights.Values;
        var c = writeContent.Values;
        var output = Tensor.AllocateUninitialized(batch, writes, cells);
        var weights = output.Data;
        for (int h = 0; h < batch * writes; h++)
        {
            float g = ga[h], w = gw[h];
            for (int n = h * cells; n < (h + 1) * cells; n++) weights[n] = w * (g * a[n] + (1f - g) * c[n]);
        }
        return Tensor.Custom("WriteWeights", output, [usage, writeContent, allocationGate, writeGate], (allocation, gates),
            static (x, s, grad) => Backward(grad, s.allocation, s.gates, x[0], x[1], x[2], x[3]));
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
        var a = allocation.Weights.Values; var c = writeContent.Values; var g = grad.Values;
        var dAllocationTensor = Tensor.BackwardBuffer(batch, writes, cells);
        var dContentTensor = writeContent.RequiresGrad ? Tensor.BackwardBuffer(writeContent.Shape) : null;
        var dAllocationGateTensor = Tensor.BackwardBuffer(allocationGate.Shape);
        var dWriteGateTensor = Tensor.BackwardBuffer(writeGate.Shape);
        Span<float> dAllocation = dAllocationTensor.Data, dContent = dContentTensor is null ? default : dContentTensor.Data;
        Span<float> dAllocationGate = dAllocationGateTensor.Data, dWriteGate = dWriteGateTensor.Data;
        for (int h = 0; h < batch * writes; h++)
        {
            float gA = ga[h], gW = gw[h];
            float dA = 0f, dW = 0f;
            for (int n = h * cells; n < (h + 1) * cells; n++)
            {
                float gn = g[n] * gW;
                dAllocation[n] = gn * gA;
                if (dContentTensor is not null) dContent[n] = gn * (1f - gA);
                dA += gn * (a[n] - c[n]);
                dW += g[n] * (gA * a[n] + (1f - gA) * c[n]);
            }
            dAllocationGate[h] = dA;
            dWriteGate[h] = dW;
        }
        var dUsage = usage.RequiresGrad ? Tensor.BackwardBuffer(usage.Shape) : null;
        bool wantGates = allocationGate.RequiresGrad || writeGate.RequiresGrad;
        var dGates = wantGates && writes > 1 ? Tensor.BackwardBuffer(batch, writes) : null;
        allocation.Backward(dAllocationTensor, gates, dUsage, dGates);
        if (dGates is not null)
        {
            var dg = dGates.Values;
            for (int h = 0; h < batch * writes; h++)
            {
                dAllocationGate[h] += dg[h] * gw[h];
                dWriteGate[h] += dg[h] * ga[h];
            }
        }
        return Tensor.GradientSlots(dUsage, dContentTensor, allocationGate.RequiresGrad ? dAllocationGateTensor : null, writeGate.RequiresGrad ? dWriteGateTensor : null);
    }
}
