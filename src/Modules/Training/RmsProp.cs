using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules.Training;

/// <summary>
/// RMSProp in the TensorFlow 1 or PyTorch flavour (see <see cref="RmsPropFlavor"/>). Both keep the mean square
/// <c>ms ← decay·ms + (1−decay)·g²</c>; they differ in its initial value (TF1: 1, PyTorch: 0), where ε enters and
/// where the learning rate is applied to the momentum buffer. Slots: <c>rmsprop/ms/{path}</c>, and
/// <c>rmsprop/mom/{path}</c> when momentum is non-zero.
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates an RMSProp optimizer.</summary>
    /// <param name="learningRate">The step size (DeepMind's DNC: 1e-4).</param>
    /// <param name="decay">The mean-square decay (TF1's <c>decay</c>, PyTorch's <c>alpha</c>), in [0, 1).</param>
    /// <param name="momentum">The momentum factor in [0, 1); 0 keeps no momentum slot.</param>
    /// <param name="epsilon">Stabiliser (DeepMind's DNC: 1e-10); must be non-negative.</param>
    /// <param name="flavor">Which framework's update to reproduce.</param>
    public RmsProp(float learningRate, float decay = 0.9f, float momentum = 0f, float epsilon = 1e-10f,
        RmsPropFlavor flavor = RmsPropFlavor.TensorFlow1)
        : base("rmsprop", learningRate, "ms", "mom")
    {
        if (!(decay >= 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "rmsprop: decay must be in [0, 1)");
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "rmsprop: momentum must be in [0, 1)");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "rmsprop: epsilon must be non-negative");
        Decay = decay;
        Momentum = momentum;
        Epsilon = epsilon;
        Flavor = flavor;
    }

    /// <summary>TensorFlow 1 defaults: decay 0.9, momentum 0, ε 1e-10.</summary>
    /// <param name="learningRate">The step size.</param>
    /// <param name="decay">The mean-square decay.</param>
    /// <param name="momentum">The momentum factor.</param>
    /// <param name="epsilon">Added inside the square root.</param>
    public static RmsProp TensorFlow1(float learningRate, float decay = 0.9f, float momentum = 0f, float epsilon = 1e-10f) =>
        new(learningRate, decay, momentum, epsilon, RmsPropFlavor.TensorFlow1);

    /// <summary>PyTorch defaults: alpha 0.99, momentum 0, ε 1e-8.</summary>
    /// <param name="learningRate">The step size.</param>
    /// <param name="alpha">The mean-square decay.</param>
    /// <param name="momentum">The momentum factor.</param>
    /// <param name="epsilon">Added outside the square root.</param>
    public static RmsProp PyTorch(float learningRate, float alpha = 0.99f, float momentum = 0f, float epsilon = 1e-8f) =>
        new(learningRate, alpha, momentum, epsilon, RmsPropFlavor.PyTorch);

    /// <summary>The mean-square decay.</summary>
    public float Decay { get; }

    /// <summary>The momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>The stabiliser ε.</summary>
    public float Epsilon { get; }

    /// <summary>Which framework's update this reproduces.</summary>
    public RmsPropFlavor Flavor { get; }

    /// <inheritdoc/>
    protected override void Update(string path, Tensor parameter, ReadOnlySpan<float> grad)
    {
        bool tf1 = Flavor == RmsPropFlavor.TensorFlow1;
        var ms = Slot("ms", path, parameter, tf1 ? 1f : 0f);
        if (Momentum == 0f && tf1)
        {
            UpdateKernels.RmsPropTf1(parameter.Data, ms, grad, Decay, Epsilon, LearningRate);
            return;
        }
        var mom = Momentum == 0f ? Span<float>.Empty : Slot("mom", path, parameter, 0f);
        UpdateKernels.RmsProp(parameter.Data, ms, mom, grad, Decay, Epsilon, LearningRate, Momentum, tf1);
    }
}
