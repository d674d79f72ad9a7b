using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules.Training;

/// <summary>
/// Adam (Kingma &amp; Ba), PyTorch semantics with bias correction: <c>m ← β1·m + (1−β1)·g</c>,
/// <c>v ← β2·v + (1−β2)·g²</c>, <c>p ← p − (lr / (1−β1ᵗ))·m / (sqrt(v) / sqrt(1−β2ᵗ) + ε)</c>, with t the step count.
/// Slots: <c>adam/m/{path}</c> and <c>adam/v/{path}</c>, both starting at 0.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Creates an Adam optimizer.</summary>
    /// <param name="learningRate">The step size.</param>
    /// <param name="beta1">Decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for stability; must be non-negative.</param>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base("adam", learningRate, "m", "v")
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "adam: beta1 must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "adam: beta2 must be in [0, 1)");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "adam: epsilon must be non-negative");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Decay of the first-moment average.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment average.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the bias-corrected root mean square in the denominator.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(string path, Tensor parameter, ReadOnlySpan<float> grad)
    {
        var p = parameter.Data;
        var m = Slot("m", path, parameter, 0f);
        var v = Slot("v", path, parameter, 0f);
        // Bias corrections in double: β^t underflows gracefully and stays accurate for large t.
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / correction1);
        float inverseSqrtCorrection2 = (float)(1 / Math.Sqrt(correction2));

        UpdateKernels.Adam(p, m, v, grad, Beta1, Beta2, Epsilon, stepSize, inverseSqrtCorrection2);
    }
}
