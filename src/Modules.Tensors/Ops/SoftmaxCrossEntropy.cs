namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Masked softmax cross-entropy with logits over groups of classes, for sequence outputs that are several
    /// independent softmaxes side by side (the graph tasks' 9 ten-way digit softmaxes, bAbI's one softmax over the
    /// vocabulary): with G = F / <paramref name="classes"/> groups,
    /// loss = (1/B) Σ_t Σ_b mask[t, b] Σ_g Σ_c −z[t, b, g, c] · log softmax(x[t, b, g, ·])[c],
    /// summed over time and averaged over the batch like <c>MaskedSigmoidCrossEntropy</c>. One fused op: the forward
    /// pass works in float64 per group (log-sum-exp, so any logit stays finite) and the backward pass recomputes the
    /// softmax instead of keeping it.
    /// </summary>
    /// <param name="logits">x, <c>[T, B, F]</c> with F a multiple of <paramref name="classes"/>; group g is channels g·C … g·C + C − 1.</param>
    /// <param name="targets">z, <c>[T, B, F]</c>: usually one-hot per group; any non-negative weights work (a group of zeros adds nothing).</param>
    /// <param name="mask">Weights per step, <c>[T, B]</c> (1 where the step counts); treated as a constant, it gets no gradient.</param>
    /// <param name="classes">C, the classes per softmax (10 for a decimal digit).</param>
    /// <returns>A scalar tensor. Gradients: mask/B · (Σ_c z · softmax(x) − z) for the logits, mask/B · (logsumexp(x) − x) for the targets.</returns>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together, or F is not a multiple of <paramref name="classes"/>.</exception>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor targets, Tensor mask, int classes)
    {
        const string op = "SoftmaxCrossEntropy";
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(mask);
        if (logits.Rank != 3) throw new ShapeMismatchException(op, "logits", [-1, -1, -1], logits.shape, " ([T, B, F])");
        ShapeUtil.RequireSame(op, logits.shape, targets.shape);
        if (mask.Rank != 2 || mask.Dim(0) != logits.Dim(0) || mask.Dim(1) != logits.Dim(1))
            throw new ShapeMismatchException(op, logits.shape, mask.shape, "do not fit: the mask must be [T, B] of logits [T, B, F]");
        int features = logits.Dim(2);
        if (classes <= 0 || features % classes != 0)
            throw new ShapeMismatchException(op, "logits", [logits.Dim(0), logits.Dim(1), -1], logits.shape, $" (F a whole number of groups of {classes} classes)");

        int steps = logits.Dim(0) * logits.Dim(1), groups = features / classes;
        double scale = logits.Dim(1) == 0 ? 0.0 : 1.0 / logits.Dim(1);
        var x = logits.Values; var z = targets.Values; var m = mask.Values;
        double total = 0;
        for (int s = 0; s < steps; s++)
        {
            if (m[s] == 0f) continue;
            double stepLoss = 0;
            for (int g = 0; g < groups; g++)
            {
                int start = s * features + g * classes;
                double lse = LogSumExp(x.Slice(start, classes)), weight = 0, dot = 0;
                for (int c = 0; c < classes; c++) { weight += z[start + c]; dot += z[start + c] * (double)x[start + c]; }
                stepLoss += weight * lse - dot;
            }
            total += m[s] * stepLoss;
        }
        var result = ScalarResult((float)(total * scale));
        if (!GradMode.Enabled || !(logits.RequiresGrad || targets.RequiresGrad)) return result;

        return Custom(op, result, [logits, targets], grad =>
        {
            double upstream = grad.Item() * scale;
            var dx = logits.RequiresGrad ? Zeros(logits.ShapeArray()) : null;
            var dz = targets.RequiresGrad ? Zeros(targets.ShapeArray()) : null;
            var xv = logits.Values; var zv = targets.Values; var mv = mask.Values;
            for (int s = 0; s < steps; s++)
            {
                if (mv[s] == 0f) continue;
                double w = upstream * mv[s];
                for (int g = 0; g < groups; g++)
                {
                    int start = s * features + g * classes;
                    var lane = xv.Slice(start, classes);
                    double lse = LogSumExp(lane);
                    if (dx is not null)
                    {
                        double weight = 0;
                        for (int c = 0; c < classes; c++) weight += zv[start + c];
                        var d = dx.Data;
                        for (int c = 0; c < classes; c++)
                            d[start + c] = (float)(w * (weight * Math.Exp(lane[c] - lse) - zv[start + c]));
                    }
                    if (dz is not null)
                    {
                        var d = dz.Data;
                        for (int c = 0; c < classes; c++) d[start + c] = (float)(w * (lse - lane[c]));
                    }
                }
            }
            return [dx, dz];
        });
    }

    /// <summary>
    /// Per step, whether every group's most likely class (the first on ties) is the target's (its largest weight);
    /// what "every digit of every label is right" means for the outputs of <see cref="SoftmaxCrossEntropy"/>.
    /// </summary>
    /// <param name="logits">x, <c>[T, B, F]</c>.</param>
    /// <param name="targets">z, <c>[T, B, F]</c>.</param>
    /// <param name="classes">C, the classes per group; F must be a multiple of it.</param>
    /// <returns><c>[T·B]</c> flags in time-major order (index t·B + b); not differentiable.</returns>
    /// <exception cref="ShapeMismatchException">The shapes differ or F is not a multiple of <paramref name="classes"/>.</exception>
    public static bool[] GroupArgmaxMatches(Tensor logits, Tensor targets, int classes)
    {
        const string op = "GroupArgmaxMatches";
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Rank != 3) throw new ShapeMismatchException(op, "logits", [-1, -1, -1], logits.shape, " ([T, B, F])");
        ShapeUtil.RequireSame(op, logits.shape, targets.shape);
        int features = logits.Dim(2);
        if (classes <= 0 || features % classes != 0)
            throw new ShapeMismatchException(op, "logits", [logits.Dim(0), logits.Dim(1), -1], logits.shape, $" (F a whole number of groups of {classes} classes)");
        int steps = logits.Dim(0) * logits.Dim(1);
        var x = logits.Values; var z = targets.Values;
        var matches = new bool[steps];
        for (int s = 0; s < steps; s++)
        {
            bool all = true;
            for (int start = s * features; all && start < (s + 1) * features; start += classes)
                all = ArgMax(x.Slice(start, classes)) == ArgMax(z.Slice(start, classes));
            matches[s] = all;
        }
        return matches;
    }

    private static int ArgMax(ReadOnlySpan<float> lane)
    {
        int best = 0;
        for (int c = 1; c < lane.Length; c++) if (lane[c] > lane[best]) best = c;
        return best;
    }

    private static double LogSumExp(ReadOnlySpan<float> lane)
    {
        double max = double.NegativeInfinity;
        foreach (var v in lane) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in lane) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
