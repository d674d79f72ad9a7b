using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Addressing;

/// <summary>
/// The memory usage vector u (the paper's ψ and u): cells become used when written and free again when
/// the read heads that read them emit a free gate.
/// </summary>
public static class Usage
{
    /// <summary>
    /// u ← u + (1 − u)·(1 − Π_W(1 − w_write)), then u ← u · Π_R(1 − f_r·w_read_r) (ψ, the retention vector).
    /// The write weights enter through a stop-gradient, as in DeepMind's implementation.
    /// </summary>
    /// <param name="previousUsage">u_{t−1}, [B, N].</param>
    /// <param name="writeWeights">w^w_{t−1}, [B, W, N] (gradient is stopped).</param>
    /// <param name="freeGate">f_t, [B, R], in [0, 1].</param>
    /// <param name="readWeights">w^r_{t−1}, [B, R, N].</param>
    /// <returns>u_t, [B, N].</returns>
    /// <remarks>One fused op with a hand-written backward to the previous usage, free gate and read weights.</remarks>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public static Tensor Update(Tensor previousUsage, Tensor writeWeights, Tensor freeGate, Tensor readWeights)
    {
        if (previousUsage.Rank != 2 || writeWeights.Rank != 3 || writeWeights.Dim(0) != previousUsage.Dim(0) || writeWeights.Dim(2) != previousUsage.Dim(1))
            throw new ShapeMismatchException("Usage", previousUsage.Shape, writeWeights.Shape, "must be usage [B, N] and write weights [B, W, N]");
        if (freeGate.Rank != 2 || readWeights.Rank != 3 || freeGate.Dim(0) != previousUsage.Dim(0) || readWeights.Dim(0) != freeGate.Dim(0)
            || readWeights.Dim(1) != freeGate.Dim(1) || readWeights.Dim(2) != previousUsage.Dim(1))
            throw new ShapeMismatchException("Usage", freeGate.Shape, readWeights.Shape,
                $"must be free gate [B, R] and read weights [B, R, N] with usage [{previousUsage.Dim(0)}, {previousUsage.Dim(1)}]");
        return UsageKernel.Compute(previousUsage, writeWeights, freeGate, readWeights);
    }

    /// <summary>u + (1 − u)·(1 − Π_W(1 − w)): usage [B, N], write weights [B, W, N] → [B, N].</summary>
    public static Tensor AfterWrite(Tensor usage, Tensor writeWeights)
    {
        var written = 1f - (1f - writeWeights).Prod(1);          // [B, N]
        return usage + (1f - usage) * written;
    }

    /// <summary>u · Π_R(1 − f_r·w_r): usage [B, N], free gate [B, R], read weights [B, R, N] → [B, N].</summary>
    public static Tensor AfterRead(Tensor usage, Tensor freeGate, Tensor readWeights)
    {
        var freed = freeGate.Unsqueeze(-1) * readWeights;      // [B, R, N]
        var retention = (1f - freed).Prod(1);                    // ψ, [B, N]
        return usage * retention;
    }
}
