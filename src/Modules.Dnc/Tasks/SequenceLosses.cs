using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks;

/// <summary>
/// Masked losses and error measures shared by the tasks; all take time-major <c>[T, B, F]</c> outputs and targets
/// and a <c>[T, B]</c> mask, sum over time and features and average over the batch.
/// </summary>
public static class SequenceLosses
{
    /// <summary>
    /// Masked sigmoid cross-entropy as in DeepMind's <c>repeat_copy.masked_sigmoid_cross_entropy</c>:
    /// Σ_b Σ_t mask·Σ_f xent, divided by B. Differentiable with respect to <paramref name="logits"/>.
    /// </summary>
    /// <param name="op">Name used in shape errors, e.g. <c>CopyTask.Cost</c>.</param>
    /// <param name="logits">Logits, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Binary targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <param name="timeAverage">Divide each sequence's loss by its mask count (+ float32 epsilon).</param>
    /// <param name="logProbInBits">Divide the result by ln 2.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor MaskedSigmoidCrossEntropy(string op, Tensor logits, Tensor targets, Tensor mask,
        bool timeAverage = false, bool logProbInBits = false)
    {
        CheckShapes(op, logits, targets, mask);
        int batch = logits.Dim(1);
        // softplus(x) - x·z is sigmoid cross-entropy with logits; Softplus is the stable form.
        var xent = Tensor.Softplus(logits) - logits * targets;
        var lossTimeBatch = xent.Sum(2);                       // [T, B]
        var lossBatch = (lossTimeBatch * mask).Sum(0);        // [B]
        if (timeAverage)
        {
            // np.finfo(np.float32).eps, as DeepMind adds it.
            var maskCount = mask.Sum(0) + 1.1920929e-07f;
            lossBatch = lossBatch / maskCount;
        }
        var loss = lossBatch.Sum() / batch;
        if (logProbInBits) loss = loss / MathF.Log(2f);
        return loss;
    }

    /// <summary>
    /// Masked squared error: Σ_b Σ_t mask·Σ_f (output − target)², divided by B. Differentiable with respect to
    /// <paramref name="outputs"/>.
    /// </summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="outputs">Outputs, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor MaskedSquaredError(string op, Tensor outputs, Tensor targets, Tensor mask)
    {
        CheckShapes(op, outputs, targets, mask);
        int batch = outputs.Dim(1);
        var perStep = Tensor.Square(outputs - targets).Sum(2);   // [T, B]
        return (perStep * mask).Sum() / batch;
    }

    /// <summary>
    /// Bit errors per sequence: masked output bits where round(σ(logits)) differs from the target, summed over
    /// time and features, averaged over the batch.
    /// </summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="logits">Logits, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Binary targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    public static float BitErrors(string op, Tensor logits, Tensor targets, Tensor mask)
    {
        CheckShapes(op, logits, targets, mask);
        int steps = logits.Dim(0), batch = logits.Dim(1), features = logits.Dim(2);
        var x = logits.Values;
        var z = targets.Values;
        var m = mask.Values;
        long errors = 0;
        for (int tb = 0; tb < steps * batch; tb++)
        {
            if (m[tb] == 0f) continue;
            for (int f = 0; f < features; f++)
            {
                // round(σ(x)) is 1 exactly when x > 0 (σ(0) = 0.5 rounds to even, i.e. 0).
                float predicted = x[tb * features + f] > 0f ? 1f : 0f;
                if (predicted != z[tb * features + f]) errors++;
            }
        }
        return (float)errors / batch;
    }

    /// <summary>
    /// Mean absolute error per sequence: Σ_t mask·Σ_f |output − target| summed over time and features, averaged over the batch.
    /// </summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="outputs">Outputs, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    public static float AbsoluteError(string op, Tensor outputs, Tensor targets, Tensor mask)
    {
        CheckShapes(op, outputs, targets, mask);
        int steps = outputs.Dim(0), batch = outputs.Dim(1), features = outputs.Dim(2);
        var y = outputs.Values;
        var z = targets.Values;
        var m = mask.Values;
        double sum = 0;
        for (int tb = 0; tb < steps * batch; tb++)
        {
            if (m[tb] == 0f) continue;
            for (int f = 0; f < features; f++) sum += m[tb] * Math.Abs((double)y[tb * features + f] - z[tb * features + f]);
        }
        return (float)(sum / batch);
    }

    /// <summary>
    /// Fraction of sequences whose every masked output rounds (half away from zero) to its target.
    /// </summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="outputs">Outputs, <c>[T, B, F]</c>.</param>
    /// <param name="targets">Integer-valued targets, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>A value in [0, 1].</returns>
    public static float RoundedAccuracy(string op, Tensor outputs, Tensor targets, Tensor mask)
    {
        CheckShapes(op, outputs, targets, mask);
        int steps = outputs.Dim(0), batch = outputs.Dim(1), features = outputs.Dim(2);
        var y = outputs.Values;
        var z = targets.Values;
        var m = mask.Values;
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            bool right = true;
            for (int t = 0; t < steps && right; t++)
            {
                int tb = t * batch + b;
                if (m[tb] == 0f) continue;
                for (int f = 0; f < features && right; f++)
                    right = MathF.Round(y[tb * features + f], MidpointRounding.AwayFromZero) == z[tb * features + f];
            }
            if (right) correct++;
        }
        return (float)correct / batch;
    }

    /// <summary>The binary prediction round(mask·σ(logits)): 1 where the mask is set and the logit is positive.</summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="logits">Logits, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns>0/1 values, <c>[T, B, F]</c>.</returns>
    public static Tensor RoundedBits(string op, Tensor logits, Tensor mask)
    {
        CheckMask(op, logits, mask);
        int features = logits.Dim(2);
        var result = new float[logits.Size];
        var x = logits.Values;
        var m = mask.Values;
        for (int i = 0; i < result.Length; i++)
            result[i] = m[i / features] != 0f && x[i] > 0f ? 1f : 0f;
        return new Tensor(result, logits.ShapeArray());
    }

    /// <summary>The outputs where the mask is set, zero elsewhere (a detached copy).</summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="outputs">Outputs, <c>[T, B, F]</c>.</param>
    /// <param name="mask">Mask, <c>[T, B]</c>.</param>
    /// <returns><c>[T, B, F]</c>.</returns>
    public static Tensor MaskedValues(string op, Tensor outputs, Tensor mask)
    {
        CheckMask(op, outputs, mask);
        int features = outputs.Dim(2);
        var result = new float[outputs.Size];
        var y = outputs.Values;
        var m = mask.Values;
        for (int i = 0; i < result.Length; i++)
            result[i] = m[i / features] != 0f ? y[i] : 0f;
        return new Tensor(result, outputs.ShapeArray());
    }

    /// <summary>Checks that outputs and targets are both <c>[T, B, F]</c> and the mask <c>[T, B]</c>.</summary>
    /// <exception cref="ShapeMismatchException">They are not.</exception>
    public static void CheckShapes(string op, Tensor outputs, Tensor targets, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (!outputs.Shape.SequenceEqual(targets.Shape) || outputs.Rank != 3)
            throw new ShapeMismatchException(op, outputs.ShapeArray(), targets.ShapeArray(),
                "logits and targets must both be [T, B, F]");
        CheckMask(op, outputs, mask);
    }

    private static void CheckMask(string op, Tensor outputs, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(mask);
        if (outputs.Rank != 3 || mask.Rank != 2 || mask.Dim(0) != outputs.Dim(0) || mask.Dim(1) != outputs.Dim(1))
            throw new ShapeMismatchException(op, outputs.ShapeArray(), mask.ShapeArray(),
                "mask must be [T, B] matching logits [T, B, F]");
    }
}
