using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>
/// The op-by-op compositions the fused addressing kernels replaced, kept verbatim as the reference the kernels are
/// compared with (forward values and autograd gradients).
/// </summary>
public static class UnfusedReference
{
    private const float Epsilon = 1e-6f;

    /// <summary>Content weights: memory [B, N, Wd], keys [B, H, Wd], strengths [B, H] → [B, H, N].</summary>
    public static Tensor ContentWeights(Tensor memory, Tensor keys, Tensor strengths)
    {
        var dot = Tensor.MatMul(keys, memory, transposeB: true);                 // [B, H, N]
        var memoryNorms = VectorNorms(memory);                                   // [B, N, 1]
        var keyNorms = VectorNorms(keys);                                        // [B, H, 1]
        var norms = Tensor.MatMul(keyNorms, memoryNorms, transposeB: true);      // [B, H, N]
        var similarity = dot / (norms + Epsilon);
        var sharpness = Tensor.Softplus(strengths).Unsqueeze(-1);               // [B, H, 1]
        return Tensor.Softmax(similarity * sharpness, -1);
    }

    private static Tensor VectorNorms(Tensor x) => Tensor.Sqrt(Tensor.Square(x).Sum(-1, keepDim: true) + Epsilon);

    /// <summary>M ⊙ Π_W(1 − w_wᵀ e_w) + Σ_W w_wᵀ v_w: memory [B, N, Wd], weights [B, W, N], erase and values [B, W, Wd].</summary>
    public static Tensor EraseAndWrite(Tensor memory, Tensor writeWeights, Tensor eraseVectors, Tensor writeVectors)
    {
        var weightedErase = writeWeights.Unsqueeze(3) * eraseVectors.Unsqueeze(2); // [B, W, N, Wd]
        var keep = (1f - weightedErase).Prod(1);                                    // [B, N, Wd]
        var add = Tensor.MatMul(writeWeights, writeVectors, transposeA: true);      // [B, N, Wd]
        return memory * keep + add;
    }

    /// <summary>Usage update: previous usage [B, N], write weights [B, W, N] (stop-gradient), free gate [B, R], read weights [B, R, N].</summary>
    public static Tensor Usage(Tensor previousUsage, Tensor writeWeights, Tensor freeGate, Tensor readWeights)
    {
        var written = 1f - (1f - writeWeights.Detach()).Prod(1);
        var afterWrite = previousUsage + (1f - previousUsage) * written;
        var freed = freeGate.Unsqueeze(-1) * readWeights;
        var retention = (1f - freed).Prod(1);
        return afterWrite * retention;
    }

    /// <summary>Allocation weights of one head: usage [B, N] → [B, N].</summary>
    public static Tensor Allocation(Tensor usage)
    {
        int n = usage.Dim(1);
        var u = Epsilon + (1f - Epsilon) * usage;
        var (sortedNonUsage, indices) = Tensor.TopK(1f - u, n, axis: 1);
        var sortedUsage = 1f - sortedNonUsage;
        var sortedAllocation = sortedNonUsage * Tensor.ExclusiveCumprod(sortedUsage, 1);
        return Tensor.Scatter(sortedAllocation, 1, indices, usage.ShapeArray());
    }

    /// <summary>Allocation weights of W heads allocating in turn: usage [B, N], gates [B, W] → [B, W, N].</summary>
    public static Tensor WriteAllocation(Tensor usage, Tensor writeGates)
    {
        int writes = writeGates.Dim(1);
        var weights = new List<Tensor>(writes);
        for (int i = 0; i < writes; i++)
        {
            var a = Allocation(usage);
            weights.Add(a);
            var gate = writeGates.Slice(1, i, 1);
            usage = usage + (1f - usage) * gate * a;
        }
        return Tensor.Stack(1, [.. weights]);
    }

    /// <summary>
    /// Write weights g_w·(g_a·alloc + (1 − g_a)·content): usage [B, N], content weights [B, W, N], allocation and
    /// write gates [B, W] (after sigmoid) → [B, W, N].
    /// </summary>
    public static Tensor WriteWeights(Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate)
    {
        var allocation = WriteAllocation(usage, allocationGate * writeGate);
        var ga = allocationGate.Unsqueeze(-1);
        var gw = writeGate.Unsqueeze(-1);
        return gw * (ga * allocation + (1f - ga) * writeContent);
    }
}
