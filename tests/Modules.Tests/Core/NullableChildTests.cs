using Modules.Tensors;

namespace Modules.Tests.Core;

[Module]
public sealed partial class OptionalParts : Module
{
    private readonly Linear? present = new(2, "present");
    private readonly Linear? absent = null;
    private readonly Module? untyped = new Linear(3, "untyped");

    public Tensor Forward(Tensor x) => present!.Forward(x) + ((Linear)untyped!).Forward(x).Slice(-1, 0, 2);

    public bool HasAbsent => absent is not null;
}

public sealed class NullableChildTests
{
    [Fact]
    public void Children_in_nullable_fields_are_enumerated_and_null_ones_skipped()
    {
        var m = new OptionalParts();
        m.Forward(Tensor.Ones(1, 4));
        Assert.False(m.HasAbsent);
        Assert.Equal(["optional_parts/present/w", "optional_parts/present/b", "optional_parts/untyped/w", "optional_parts/untyped/b"],
            m.NamedParameters().Select(p => p.Key));
    }
}
