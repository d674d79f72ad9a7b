using Modules.Tensors;

namespace Modules;

/// <summary>
/// A fully connected layer y = x·w + b (Sonnet's layout): w [in, out] and b [out], created on the first call
/// from the input's last dimension.
/// </summary>
[Module]
public sealed partial class Linear : Module
{
    [Param] private Tensor? w;
    [Param] private Tensor? b;

    /// <summary>Creates the layer with <paramref name="outputSize"/> outputs; default name <c>linear</c>.</summary>
    public Linear(int outputSize, string? name = null) : base(name) => OutputSize = outputSize;

    /// <summary>The number of outputs.</summary>
    public int OutputSize { get; }

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor x)
    {
        int inputSize = x.Dim(-1);
        var weights = GetW([inputSize, OutputSize], s => Tensor.TruncatedNormal(Rng, s, 0f, 1f / MathF.Sqrt(inputSize)));
        var bias = GetB([OutputSize], Tensor.Zeros);
        return x.MatMul(weights) + bias;
    }
}
