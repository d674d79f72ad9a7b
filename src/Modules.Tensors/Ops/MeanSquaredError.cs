namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The mean squared error, mean over all n elements of (p − t)², as a rank-0 tensor (PyTorch's <c>MSELoss</c> with
    /// its default mean reduction). <paramref name="predictions"/> and <paramref name="targets"/> have the same shape,
    /// any rank. Gradients: 2(p − t)/n for the predictions, −2(p − t)/n for the targets. The sum is accumulated in
    /// double, so large tensors lose no precision.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes differ.</exception>
    /// <exception cref="ArgumentException">The tensors are empty (the mean of nothing is undefined).</exception>
    public static Tensor MeanSquaredError(Tensor predictions, Tensor targets)
    {
        const string op = "MeanSquaredError";
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        ShapeUtil.RequireSame(op, predictions.Shape, targets.Shape);
        var p = predictions.Values; var t = targets.Values;
        if (p.Length == 0) throw new ArgumentException($"{op}: the tensors are empty (shape {ShapeUtil.Format(predictions.Shape)})");
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double d = (double)p[i] - t[i];
            sum += d * d;
        }
        var result = ScalarResult((float)(sum / p.Length));
        return result.WithGrad(op, [predictions, targets], g =>
        {
            float scale = 2f * g.Item() / predictions.Size;
            var pv = predictions.Values; var tv = targets.Values;
            if (predictions.RequiresGrad)
            {
                var dp = Uninitialized(predictions.shape); var d = dp.Data;
                for (int i = 0; i < d.Length; i++) d[i] = scale * (pv[i] - tv[i]);
                predictions.AccumulateGrad(dp);
            }
            if (targets.RequiresGrad)
            {
                var dt = Uninitialized(targets.shape); var d = dt.Data;
                for (int i = 0; i < d.Length; i++) d[i] = scale * (tv[i] - pv[i]);
                targets.AccumulateGrad(dt);
            }
        });
    }
}
