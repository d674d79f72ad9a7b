using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// <see cref="LinkUpdate"/> followed by <see cref="ReadWeightsMix"/> on the new link, as one op with three outputs:
/// the new link, the new precedence and the read weights. The point is backward: the new link's gradient from the next
/// step and the reads' contribution are summed one row at a time in a scratch row and pushed straight through the link
/// update, so the only link-sized array backward allocates is the gradient of the previous link (the two separate ops
/// need three: the reads' link gradient, the sum of the two link gradients, and the previous link's).
/// </summary>
internal static class LinkUpdateAndRead
{
    private const string Op = "LinkUpdateAndRead";

    /// <summary>Updates the linkage with this step's writes and reads along the new link.</summary>
    /// <param name="previousLink">L_{t−1}, [B, W, N, N].</param>
    /// <param name="previousPrecedence">p_{t−1}, [B, W, N].</param>
    /// <param name="writeWeights">w_t, [B, W, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="contentWeights">c_t, [B, R, N].</param>
    /// <param name="readModes">π_t after the softmax, [B, R, 2W + 1]: per head W backward, W forward, then content.</param>
    /// <returns>L_t [B, W, N, N], p_t [B, W, N] and the read weights [B, R, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not agree.</exception>
    public static (Tensor Link, Tensor Precedence, Tensor ReadWeights) Apply(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights,
        Tensor previousReadWeights, Tensor contentWeights, Tensor readModes)
    {
        LinkUpdate.Validate(Op, previousLink, previousPrecedence, writeWeights);
        ReadWeightsMix.Validate(Op, previousLink, previousReadWeights, contentWeights, readModes);
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;

        var link = Tensor.Allocate(b, writes, n, n);
        var precedence = Tensor.Allocate(b, writes, n);
        var read = Tensor.Allocate(b, reads, n);
        BatchParallel.For(b, (long)writes * n * n * (1 + 2 * reads), batch =>
        {
            // One pass over the link: each new row is read by every head while it is still in the first-level cache.
            var w = previousReadWeights.Values.Slice(batch * reads * n, reads * n);
            var pi = readModes.Values.Slice(batch * reads * modes, reads * modes);
            var output = read.Data.Slice(batch * reads * n, reads * n);
            ReadWeightsMix.ForwardContent(contentWeights.Values.Slice(batch * reads * n, reads * n), pi, output, writes, reads, n);
            for (int k = 0; k < writes; k++)
            {
                int s = batch * writes + k;
                var p = previousPrecedence.Values.Slice(s * n, n);
                var ww = writeWeights.Values.Slice(s * n, n);
                var oldLink = previousLink.Values.Slice(s * n * n, n * n);
                var newLink = link.Data.Slice(s * n * n, n * n);
                for (int i = 0; i < n; i++)
                {
                    var row = newLink.Slice(i * n, n);
                    LinkUpdate.ForwardRow(i, oldLink.Slice(i * n, n), p, ww, row);
                    ReadWeightsMix.ForwardRow(k, i, row, w, pi, output, writes);
                }
                LinkUpdate.ForwardPrecedence(p, ww, precedence.Data.Slice(s * n, n));
            }
        });

        var outputs = new[] { link, precedence, read };
        var newLink = outputs[0].Detach();   // backward reads the new link's values, not its gradient record
        Tensor.Custom(Op, outputs, [previousLink, previousPrecedence, writeWeights, previousReadWeights, contentWeights, readModes],
            g => Backward(previousLink, previousPrecedence, writeWeights, previousReadWeights, contentWeights, readModes, newLink, g));
        return (outputs[0], outputs[1], outputs[2]);
    }

    private static Tensor?[] Backward(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights, Tensor previousReadWeights,
        Tensor contentWeights, Tensor readModes, Tensor link, Tensor?[] grads)
    {
        int b = writeWeights.Dim(0), writes = writeWeights.Dim(1), n = writeWeights.Dim(2), reads = previousReadWeights.Dim(1), modes = 2 * writes + 1;
        Tensor? linkGrad = grads[0], precedenceGrad = grads[1], readGrad = grads[2];
        var dLink = previousLink.RequiresGrad && (linkGrad is not null || readGrad is not null) ? Tensor.BackwardBuffer(previousLink.Shape) : null;
        var dPrecedence = previousPrecedence.RequiresGrad ? Tensor.BackwardBuffer(previousPrecedence.Shape) : null;
        var dWrites = writeWeights.RequiresGrad ? Tensor.BackwardBuffer(writeWeights.Shape) : null;
        var dRead = previousReadWeights.RequiresGrad && readGrad is not null ? Tensor.BackwardBuffer(previousReadWeights.Shape) : null;
        var dContent = contentWeights.RequiresGrad && readGrad is not null ? Tensor.BackwardBuffer(contentWeights.Shape) : null;
        var dModes = readModes.RequiresGrad && readGrad is not null ? Tensor.BackwardBuffer(readModes.Shape) : null;

        BatchParallel.For(b, (long)writes * n * n * (3 + 4 * reads), batch =>
        {
            var w = previousReadWeights.Values.Slice(batch * reads * n, reads * n);
            var pi = readModes.Values.Slice(batch * reads * modes, reads * modes);
            var g = readGrad is null ? default : readGrad.Values.Slice(batch * reads * n, reads * n);
            var dw = dRead is null ? default : dRead.Data.Slice(batch * reads * n, reads * n);
            var dpi = dModes is null ? default : dModes.Data.Slice(batch * reads * modes, reads * modes);
            if (readGrad is not null)
                ReadWeightsMix.BackwardContent(g, contentWeights.Values.Slice(batch * reads * n, reads * n), pi,
                    dContent is null ? default : dContent.Data.Slice(batch * reads * n, reads * n), dpi, writes, reads);

            Span<float> total = n <= 1024 ? stackalloc float[n] : new float[n];
            for (int k = 0; k < writes; k++)
            {
                int s = batch * writes + k;
                var p = previousPrecedence.Values.Slice(s * n, n);
                var ww = writeWeights.Values.Slice(s * n, n);
                var dp = dPrecedence is null ? default : dPrecedence.Data.Slice(s * n, n);
                var dww = dWrites is null ? default : dWrites.Data.Slice(s * n, n);
                if (linkGrad is not null || readGrad is not null)
                {
                    var newLink = link.Values.Slice(s * n * n, n * n);
                    var oldLink = previousLink.Values.Slice(s * n * n, n * n);
                    for (int i = 0; i < n; i++)
                    {
                        // ∂/∂L_t[i, :]: from the next step (if any), plus what the reads of this step send back.
                        if (linkGrad is null) total.Clear();
                        else linkGrad.Values.Slice(s * n * n + i * n, n).CopyTo(total);
                        if (readGrad is not null) ReadWeightsMix.BackwardRow(k, i, newLink.Slice(i * n, n), w, g, pi, dw, dpi, total, writes);
                        LinkUpdate.BackwardRow(i, total, oldLink.Slice(i * n, n), p, ww,
                            dLink is null ? default : dLink.Data.Slice(s * n * n + i * n, n), dp, dww);
                    }
                }
                if (precedenceGrad is not null) LinkUpdate.BackwardPrecedence(precedenceGrad.Values.Slice(s * n, n), p, ww, dp, dww);
            }
        });
        return
        [
            dLink,
            dPrecedence,
            dWrites,
            dRead,
            dContent,
            dModes,
        ];
    }
}
