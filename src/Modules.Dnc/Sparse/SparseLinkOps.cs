using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The two index-driven ops of the sparse link update, as fused ops with hand-written backward passes: the selection
/// and the decay factors are sparse (each candidate lands in at most one entry, each entry loses at most two write
/// weights), so a dense matrix product over them would spend its time on zeros and on many tiny products.
/// </summary>
internal static class SparseLinkOps
{
    /// <summary>
    /// <c>out[b, o, e] = Σ_{c : target[b, o, c] = e} candidates[b, o, c]</c>: candidates [B, O, C] and targets (B·O·C
    /// entries in [0, K_L) or −1 for a dropped candidate) → [B, O, K_L].
    /// </summary>
    public static Tensor Merge(Tensor candidates, int[] target, int kl)
    {
        int batch = candidates.Dim(0), owners = candidates.Dim(1), count = candidates.Dim(2);
        var output = Tensor.Zeros(batch, owners, kl);
        var source = candidates.Values;
        var data = output.Data;
        for (int bo = 0; bo < batch * owners; bo++)
            for (int c = 0; c < count; c++)
            {
                int e = target[bo * count + c];
                if (e >= 0) data[bo * kl + e] += source[bo * count + c];
            }
        return Tensor.Custom("SparseLinkMerge", output, [candidates], g =>
        {
            var grad = Tensor.Zeros(batch, owners, count);
            var gd = grad.Data;
            var gv = g.Values;
            for (int bo = 0; bo < batch * owners; bo++)
                for (int c = 0; c < count; c++)
                {
                    int e = target[bo * count + c];
                    if (e >= 0) gd[bo * count + c] = gv[bo * kl + e];
                }
            return [grad];
        });
    }

    /// <summary>
    /// <c>out[b, m] = 1 − Σ w[b, s]</c> over the write slots s that entry m names (<paramref name="slots"/>: B·M·2 entries,
    /// −1 for none): write weights [B, S] → [B, M].
    /// </summary>
    public static Tensor Factor(Tensor writeWeights, int[] slots, int entries)
    {
        int batch = writeWeights.Dim(0), width = writeWeights.Dim(1);
        var output = Tensor.Full([batch, entries], 1f);
        var w = writeWeights.Values;
        var data = output.Data;
        for (int b = 0; b < batch; b++)
            for (int m = 0; m < entries; m++)
                for (int k = 0; k < 2; k++)
                {
                    int s = slots[(b * entries + m) * 2 + k];
                    if (s >= 0) data[b * entries + m] -= w[b * width + s];
                }
        return Tensor.Custom("SparseLinkFactor", output, [writeWeights], g =>
        {
            var grad = Tensor.Zeros(batch, width);
            var gd = grad.Data;
            var gv = g.Values;
            for (int b = 0; b < batch; b++)
                for (int m = 0; m < entries; m++)
                    for (int k = 0; k < 2; k++)
                    {
                        int s = slots[(b * entries + m) * 2 + k];
                        if (s >= 0) gd[b * width + s] -= gv[b * entries + m];
                    }
            return [grad];
        });
    }
}
