using System.Numerics.Tensors;
using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules.Training;

/// <summary>
/// Stochastic gradient descent, PyTorch semantics: without momentum <c>p ← p − lr·g</c>; with momentum
/// <c>buf ← momentum·buf + g</c> (buf starts at 0, so the first step stores g), <c>p ← p − lr·buf</c>.
/// Slot: <c>sgd/momentum/{path}</c> (only when momentum is non-zero).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates an SGD optimizer.</summary>
    /// <param name="learningRate">The step size.</param>
    /// <param name="momentum">The momentum factor in [0, 1); 0 keeps no slot.</param>
    public Sgd(float learningRate, float momentum = 0f) : base("sgd", learningRate, "momentum")
    {
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "sgd: momentum must be in [0, 1)");
        Momentum = momentum;
    }

    /// <summary>The momentum factor.</summary>
    public float Momentum { get; }

    /// <inheritdoc/>
    protected override void Update(string path, Tensor parameter, ReadOnlySpan<float> grad)
    {
        var p = parameter.Data;
        if (Momentum == 0f)
        {
            TensorPrimitives.MultiplyAdd(grad, -LearningRate, p, p);
            return;
        }
        var buf = Slot("momentum", path, parameter, 0f);
        UpdateKernels.SgdMomentum(p, buf, grad, Momentum, LearningRate);
    }
}
