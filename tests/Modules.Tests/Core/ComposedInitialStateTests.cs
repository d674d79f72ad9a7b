using Modules.Tensors;

namespace Modules.Tests.Core;

/// <summary>Two stacked LSTMs; the state is one member per child, so the generator writes InitialState.</summary>
[State]
public readonly partial record struct StackedState(LstmState Lower, LstmState Upper);

/// <summary>Implements IRnnCore without writing InitialState: the generator composes it from lower and upper.</summary>
[Module]
public sealed partial class StackedCore : Module, IRnnCore<StackedState>
{
    private readonly Lstm lower = new(3, name: "lower", trainableInitialState: true);
    private readonly Lstm upper = new(2, name: "upper");

    public (Tensor Output, StackedState State) Step(Tensor input, StackedState state)
    {
        var (h1, s1) = lower.Step(input, state.Lower);
        var (h2, s2) = upper.Step(h1, state.Upper);
        return (h2, new StackedState(s1, s2));
    }
}

/// <summary>A state built with an object initializer, asked for with a partial declaration; one child is the composed core above.</summary>
[State]
public partial struct TowerState
{
    public StackedState Stack { get; init; }
    public LstmState Top { get; init; }
}

[Module]
public sealed partial class Tower : Module
{
    private readonly StackedCore stack = new();

    public Lstm Top { get; } = new(4, name: "top");

    /// <summary>The stack's and the top LSTM's initial states.</summary>
    public partial TowerState InitialState(int batch);
}

public class ComposedInitialStateTests
{
    [Fact]
    public void TheGeneratedInitialStateIsEachChildsOwn()
    {
        var core = new StackedCore();
        _ = core.InitialState(1);   // creates the lower LSTM's learned initial state
        var hidden = core.NamedParameters().Single(p => p.Key.EndsWith("lower/lstm_initial_state/hidden", StringComparison.Ordinal)).Key;
        core.SetParameter(hidden, new Tensor([1f, -2f, 3f], 3));

        var state = core.InitialState(2);

        Assert.Equal([1f, -2f, 3f, 1f, -2f, 3f], state.Lower.Hidden.ToArray());
        Assert.Equal([2, 3], state.Lower.Cell.ShapeArray());
        Assert.Equal(new float[6], state.Lower.Cell.ToArray());
        Assert.Equal([2, 2], state.Upper.Hidden.ShapeArray());
        Assert.Equal(new float[4], state.Upper.Hidden.ToArray());
        Assert.Equal(new float[4], state.Upper.Cell.ToArray());
        // DynamicRnn starts from it when no state is given: the same outputs as from the explicit state.
        var inputs = Tensor.Uniform(new Generator(3), [3, 2, 5], -1f, 1f);
        Assert.Equal(DynamicRnn.Unroll(core, inputs, state).Outputs.ToArray(), DynamicRnn.Unroll(core, inputs).Outputs.ToArray());
    }

    [Fact]
    public void APartialDeclarationIsImplementedThroughNestedComposedChildren()
    {
        var tower = new Tower();

        var state = tower.InitialState(3);

        Assert.Equal([3, 3], state.Stack.Lower.Hidden.ShapeArray());
        Assert.Equal([3, 2], state.Stack.Upper.Cell.ShapeArray());
        Assert.Equal([3, 4], state.Top.Hidden.ShapeArray());
        Assert.Equal(["stack/lower/hidden", "stack/lower/cell", "stack/upper/hidden", "stack/upper/cell", "top/hidden", "top/cell"], TowerState.Paths);
    }
}
