using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Reading <c>r_h = Σ_i w_h(i)·M(i)</c> as one op over the batch: R weighted sums of N short rows per item, where a batched
/// matrix product would pack a [R, N]·[N, Wd] problem per item. Backward: <c>dw_h(i) = g_h·M(i)</c>,
/// <c>dM(i) = Σ_h w_h(i)·g_h</c>.
/// </summary>
internal static class NtmReadKernel
{
    /// <summary>Memory [B, N, Wd] and read weights [B, R, N] → read words [B, R, Wd]. Shapes are checked by the caller.</summary>
    public static Tensor Compute(Tensor memory, Tensor weights)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), heads = weights.Dim(1);
        var words = new float[batch * heads * width];
        BatchParallel.For(batch, (long)heads * cells * width, b =>
        {
            var m = memory.Values.Slice(b * cells * width, cells * width);
            for (int h = 0; h < heads; h++)
            {
                var w = weights.Values.Slice((b * heads + h) * cells, cells);
                var word = words.AsSpan((b * heads + h) * width, width);
                for (int n = 0; n < cells; n++) AddressingMath.MultiplyAdd(m.Slice(n * width, width), w[n], word);
            }
        });
        return Tensor.Custom("NtmMemory.Read", new Tensor(words, batch, heads, width), [memory, weights], g =>
        {
            var dMemory = memory.RequiresGrad ? new float[memory.Size] : null;
            var dWeights = weights.RequiresGrad ? new float[weights.Size] : null;
            BatchParallel.For(batch, 2L * heads * cells * width, b =>
            {
                var m = memory.Values.Slice(b * cells * width, cells * width);
                for (int h = 0; h < heads; h++)
                {
                    var gh = g.Values.Slice((b * heads + h) * width, width);
                    var w = weights.Values.Slice((b * heads + h) * cells, cells);
                    for (int n = 0; n < cells; n++)
                    {
                        if (dWeights is not null) dWeights[(b * heads + h) * cells + n] = AddressingMath.Dot(gh, m.Slice(n * width, width));
                        if (dMemory is not null) AddressingMath.MultiplyAdd(gh, w[n], dMemory.AsSpan((b * cells + n) * width, width));
                    }
                }
            });
            return
            [
                dMemory is null ? null : new Tensor(dMemory, memory.ShapeArray()),
                dWeights is null ? null : new Tensor(dWeights, weights.ShapeArray()),
            ];
        });
    }
}
