namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Element-wise binary cross-entropy between sigmoid(<paramref name="logits"/>) and <paramref name="targets"/>
    /// (both the same shape; targets usually in [0, 1]), computed stably as max(x, 0) − x·z + log(1 + e^−|x|),
    /// so it stays finite and accurate for any logit. Returns the per-element losses (reduce them yourself).
    /// Gradients: sigmoid(x) − z for the logits, −x for the targets.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes differ.</exception>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets)
    {
        const string op = "BinaryCrossEntropyWithLogits";
        ShapeUtil.RequireSame(op, logits.Shape, targets.Shape);
        var result = Uninitialized(logits.shape);
        var x = logits.Values; var z = targets.Values; var r = result.Data;
        for (int i = 0; i < r.Length; i++)
        {
            // In double: max(x,0) − x·z cancels exactly for saturated logits, leaving the tiny log1p term intact.
            double xi = x[i];
            r[i] = (float)(Math.Max(xi, 0.0) - xi * z[i] + ScalarMath.Log1p(Math.Exp(-Math.Abs(xi))));
        }
        return result.WithGrad(op, [logits, targets], g =>
        {
            var gv = g.Values; var xv = logits.Values; var zv = targets.Values;
            if (logits.RequiresGrad)
            {
                var dx = Uninitialized(logits.shape); var d = dx.Data;
                for (int i = 0; i < d.Length; i++) d[i] = (float)(gv[i] * (ScalarMath.Sigmoid(xv[i]) - zv[i]));
                logits.AccumulateGrad(dx);
            }
            if (targets.RequiresGrad)
            {
                var dz = Uninitialized(targets.shape); var d = dz.Data;
                for (int i = 0; i < d.Length; i++) d[i] = -gv[i] * xv[i];
                targets.AccumulateGrad(dz);
            }
        });
    }
}
