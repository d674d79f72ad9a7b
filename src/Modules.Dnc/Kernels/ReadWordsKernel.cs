using Modules.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Read words r = w·M per batch item as one op with a hand-written backward: small R×N by N×Wd products, where the
/// general matrix product's packing costs more than the arithmetic.
/// </summary>
internal static class ReadWordsKernel
{
    /// <summary>Read weights [B, R, N] and memory [B, N, Wd] → read words [B, R, Wd]. Shapes are checked by the caller.</summary>
    public static Tensor Compute(Tensor readWeights, Tensor memory)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), reads = readWeights.Dim(1);
        var words = new float[batch * reads * width];
        AddressingMath.ForEachItem(batch, (long)reads * cells * width, b =>
        {
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var w = readWeights.Values.Slice(b * reads * cells, reads * cells);
            for (int r = 0; r < reads; r++)
            {
                var word = words.AsSpan((b * reads + r) * width, width);
                for (int n = 0; n < cells; n++)
                {
                    float weight = w[r * cells + n];
                    if (weight != 0f) TensorPrimitives.MultiplyAdd(m.Slice(n * width, width), weight, word, word);
                }
            }
        });
        var output = new Tensor(words, batch, reads, width);
        return Tensor.Custom("ReadWords", output, [readWeights, memory], g => Backward(g, readWeights, memory));
    }

    /// <summary>dw[r, n] = g_r·M_n; dM_n = Σ_r w[r, n]·g_r.</summary>
    private static Tensor?[] Backward(Tensor g, Tensor readWeights, Tensor memory)
    {
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2), reads = readWeights.Dim(1);
        var dWeights = readWeights.RequiresGrad ? GC.AllocateUninitializedArray<float>(readWeights.Size) : null;
        var dMemory = memory.RequiresGrad ? new float[memory.Size] : null;
        AddressingMath.ForEachItem(batch, 2L * reads * cells * width, b =>
        {
            var m = memory.Values.Slice(b * cells * width, cells * width);
            var w = readWeights.Values.Slice(b * reads * cells, reads * cells);
            var gv = g.Values.Slice(b * reads * width, reads * width);
            for (int n = 0; n < cells; n++)
            {
                var row = m.Slice(n * width, width);
                var dm = dMemory is null ? default : dMemory.AsSpan((b * cells + n) * width, width);
                for (int r = 0; r < reads; r++)
                {
                    var gr = gv.Slice(r * width, width);
                    if (dWeights is not null) dWeights[(b * reads + r) * cells + n] = TensorPrimitives.Dot(gr, row);
                    if (dMemory is not null) TensorPrimitives.MultiplyAdd(gr, w[r * cells + n], dm, dm);
                }
            }
        });
        return
        [
            dWeights is null ? null : new Tensor(dWeights, readWeights.ShapeArray()),
            dMemory is null ? null : new Tensor(dMemory, memory.ShapeArray()),
        ];
    }
}
