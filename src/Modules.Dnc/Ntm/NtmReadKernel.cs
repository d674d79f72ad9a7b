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
        BatchParallel.For(batch, (long)heads * cells * width, (memory, cells, width, heads, weights, words), static (state, b) =>
        {
            var (memory, cells, width, heads, weights, words) = state;
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
            // Both gradients are written whole (dM row by row, first head assigned), so neither needs zeroing.
            var dMemory = memory.RequiresGrad ? GC.AllocateUninitializedArray<float>(memory.Size) : null;
            var dWeights = weights.RequiresGrad ? GC.AllocateUninitializedArray<float>(weights.Size) : null;
            BatchParallel.For(batch, 2L * heads * cells * width, (memory, cells, width, g, heads, weights, dWeights,
                dMemory), static (state, b) =>
            {
                var (memory, cells, width, g, heads, weights, dWeights, dMemory) = state;
                var m = memory.Values.Slice(b * cells * width, cells * width);
                var gb = g.Values.Slice(b * heads * width, heads * width);
                var wb = weights.Values.Slice(b * heads * cells, heads * cells);
                for (int n = 0; n < cells; n++)
                {
                    var row = m.Slice(n * width, width);
                    if (dWeights is not null)
                        for (int h = 0; h < heads; h++) dWeights[(b * heads + h) * cells + n] = AddressingMath.Dot(gb.Slice(h * width, width), row);
                    if (dMemory is null) continue;
                    var dm = dMemory.AsSpan((b * cells + n) * width, width);
                    AddressingMath.Scale(gb[..width], wb[n], dm);
                    for (int h = 1; h < heads; h++) AddressingMath.MultiplyAdd(gb.Slice(h * width, width), wb[h * cells + n], dm);
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
