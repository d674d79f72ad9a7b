using System.Numerics.Tensors;
using Tensor = Modules.Tensors.Tensor;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// The DNC's read weights as one fused op: the directional reads along every write head's link (forward
/// f_i = Σ_j L[i, j]·w_j, backward b_i = Σ_j L[j, i]·w_j, from the previous read weights w) mixed with the content
/// weights c by the read modes π: π_content·c + Σ_W π_fwd·f + Σ_W π_bwd·b. One pass over each link matrix computes
/// both directions; nothing link-sized is allocated in forward, and backward allocates only the gradients it returns.
/// </summary>
public static class ReadWeightsMix
{
    private const string Op = "ReadWeightsMix";

    /// <summary>Computes the read weights.</summary>
    /// <param name="link">L, [B, W, N, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="contentWeights">c, [B, R, N].</param>
    /// <param name="readModes">π after the softmax, [B, R, 2W + 1], per head W backward, W forward, then content.</param>
    /// <returns>[B, R, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not agree.</exception>
    public static Tensor Apply(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(previousReadWeights);
        ArgumentNullException.ThrowIfNull(contentWeights);
        ArgumentNullException.ThrowIfNull(readModes);
        if (link.Rank != 4 || link.Dim(2) != link.Dim(3))
            throw new ShapeMismatchException($"{Op}: link must be [B, W, N, N], got [{string.Join(", ", link.ShapeArray())}]");
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2);
        if (previousReadWeights.Rank != 3 || previousReadWeights.Dim(0) != b || previousReadWeights.Dim(2) != n)
            throw new ShapeMismatchException(Op, link.ShapeArray(), previousReadWeights.ShapeArray(), $"(previous read weights must be [B, R, N] with B = {b}, N = {n})");
        int reads = previousReadWeights.Dim(1);
        if (!contentWeights.Shape.SequenceEqual(previousReadWeights.Shape))
            throw new ShapeMismatchException(Op, previousReadWeights.ShapeArray(), contentWeights.ShapeArray(), "(content weights must match the read weights, [B, R, N])");
        if (!readModes.Shape.SequenceEqual([b, reads, 2 * writes + 1]))
            throw new ShapeMismatchException(Op, previousReadWeights.ShapeArray(), readModes.ShapeArray(), $"(read modes must be [B, R, 2W + 1] = [{b}, {reads}, {2 * writes + 1}])");

        var result = new float[b * reads * n];
        BatchParallel.For(b, 2L * writes * reads * n * n, batch => Forward(link, previousReadWeights, contentWeights, readModes, result, batch));
        return Tensor.Custom(Op, new Tensor(result, b, reads, n), [link, previousReadWeights, contentWeights, readModes],
            g => Backward(link, previousReadWeights, contentWeights, readModes, g));
    }

    private static void Forward(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes, float[] result, int batch)
    {
        int writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;
        var w = previousReadWeights.Values.Slice(batch * reads * n, reads * n);
        var c = contentWeights.Values.Slice(batch * reads * n, reads * n);
        var pi = readModes.Values.Slice(batch * reads * modes, reads * modes);
        var output = result.AsSpan(batch * reads * n, reads * n);
        for (int r = 0; r < reads; r++)
            TensorPrimitives.Multiply(c.Slice(r * n, n), pi[r * modes + 2 * writes], output.Slice(r * n, n));
        for (int k = 0; k < writes; k++)
        {
            var l = link.Values.Slice((batch * writes + k) * n * n, n * n);
            for (int i = 0; i < n; i++)
            {
                var row = l.Slice(i * n, n);
                for (int r = 0; r < reads; r++)
                {
                    var wr = w.Slice(r * n, n);
                    var outR = output.Slice(r * n, n);
                    // Forward: f_i = L[i, :]·w. Backward: row i of L carries w_i to every b_j = Σ_i L[i, j]·w_i.
                    outR[i] += pi[r * modes + writes + k] * TensorPrimitives.Dot(row, wr);
                    TensorPrimitives.MultiplyAdd(row, pi[r * modes + k] * wr[i], outR, outR);
                }
            }
        }
    }

    private static Tensor?[] Backward(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes, Tensor grad)
    {
        int b = link.Dim(0), writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1);
        var dLink = link.RequiresGrad ? new float[link.Size] : null;
        var dRead = previousReadWeights.RequiresGrad ? new float[previousReadWeights.Size] : null;
        var dContent = contentWeights.RequiresGrad ? new float[contentWeights.Size] : null;
        var dModes = readModes.RequiresGrad ? new float[readModes.Size] : null;
        if (dLink is not null || dRead is not null || dModes is not null || dContent is not null)
            BatchParallel.For(b, 4L * writes * reads * n * n,
                batch => BackwardBatch(link, previousReadWeights, contentWeights, readModes, grad, dLink, dRead, dContent, dModes, batch));
        return
        [
            dLink is null ? null : new Tensor(dLink, b, writes, n, n),
            dRead is null ? null : new Tensor(dRead, b, reads, n),
            dContent is null ? null : new Tensor(dContent, b, reads, n),
            dModes is null ? null : new Tensor(dModes, b, reads, 2 * writes + 1),
        ];
    }

    private static void BackwardBatch(Tensor link, Tensor previousReadWeights, Tensor contentWeights, Tensor readModes, Tensor grad,
        float[]? dLink, float[]? dRead, float[]? dContent, float[]? dModes, int batch)
    {
        int writes = link.Dim(1), n = link.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;
        var w = previousReadWeights.Values.Slice(batch * reads * n, reads * n);
        var c = contentWeights.Values.Slice(batch * reads * n, reads * n);
        var pi = readModes.Values.Slice(batch * reads * modes, reads * modes);
        var g = grad.Values.Slice(batch * reads * n, reads * n);
        var dw = dRead is null ? default : dRead.AsSpan(batch * reads * n, reads * n);
        var dpi = dModes is null ? default : dModes.AsSpan(batch * reads * modes, reads * modes);

        for (int r = 0; r < reads; r++)
        {
            var gr = g.Slice(r * n, n);
            if (dContent is not null) TensorPrimitives.Multiply(gr, pi[r * modes + 2 * writes], dContent.AsSpan(batch * reads * n + r * n, n));
            if (dModes is not null) dpi[r * modes + 2 * writes] = TensorPrimitives.Dot(gr, c.Slice(r * n, n));
        }
        if (dLink is null && dRead is null && dModes is null) return;

        for (int k = 0; k < writes; k++)
        {
            var l = link.Values.Slice((batch * writes + k) * n * n, n * n);
            var dl = dLink is null ? default : dLink.AsSpan((batch * writes + k) * n * n, n * n);
            for (int i = 0; i < n; i++)
            {
                var row = l.Slice(i * n, n);
                var dlRow = dLink is null ? default : dl.Slice(i * n, n);
                for (int r = 0; r < reads; r++)
                {
                    var wr = w.Slice(r * n, n);
                    var gr = g.Slice(r * n, n);
                    float piForward = pi[r * modes + writes + k], piBackward = pi[r * modes + k];
                    float forwardCoefficient = piForward * gr[i];     // ∂/∂f_i
                    float backwardCoefficient = piBackward * wr[i];    // row i's share of every b_j
                    float rowDotG = TensorPrimitives.Dot(row, gr);
                    if (dModes is not null)
                    {
                        dpi[r * modes + writes + k] += gr[i] * TensorPrimitives.Dot(row, wr);
                        dpi[r * modes + k] += wr[i] * rowDotG;
                    }
                    if (dRead is not null)
                    {
                        var dwr = dw.Slice(r * n, n);
                        dwr[i] += piBackward * rowDotG;
                        TensorPrimitives.MultiplyAdd(row, forwardCoefficient, dwr, dwr);
                    }
                    if (dLink is not null)
                    {
                        TensorPrimitives.MultiplyAdd(wr, forwardCoefficient, dlRow, dlRow);
                        TensorPrimitives.MultiplyAdd(gr, backwardCoefficient, dlRow, dlRow);
                    }
                }
            }
        }
    }
}
