using Modules.Tensors;

namespace Modules.Tests.Layers;

/// <summary>Two unnamed linear layers and one named one, to check naming and paths.</summary>
[Module]
public sealed partial class TwoLinears : Module
{
    public TwoLinears(string? name = null) : base(name)
    {
        First = new Linear(3);
        Second = new Linear(2);
        Output = new Linear(1, "output_linear");
    }

    public Linear First { get; }

    public Linear Second { get; }

    public Linear Output { get; }

    public Tensor Forward(Tensor x) => Output.Forward(Second.Forward(Tensor.Tanh(First.Forward(x))));
}
