using Modules.Tensors;

namespace Modules.Tests.Core;

/// <summary>y = x·w + b with w [in, out] and b [out], both created on the first call.</summary>
[Module]
public sealed partial class Dense : Module, IModule<Tensor, Tensor>
{
    [Param] private Tensor? w;
    [Param] private Tensor? b;

    public Dense(int outputSize, string? name = null) : base(name) => OutputSize = outputSize;

    public int OutputSize { get; }

    public Tensor Forward(Tensor x)
    {
        int inputSize = x.Dim(-1);
        var weights = GetW([inputSize, OutputSize], s => Tensor.Uniform(Rng, s, -1f, 1f));
        var bias = GetB([OutputSize], s => Tensor.Full(s, 0.5f));
        return x.MatMul(weights) + bias;
    }
}

/// <summary>Two dense layers of the same type, created without names.</summary>
[Module]
public sealed partial class TwoDense : Module
{
    public TwoDense(string? name = null) : base(name)
    {
        First = new Dense(3);
        Second = new Dense(2);
    }

    public Dense First { get; }

    public Dense Second { get; }

    public Tensor Forward(Tensor x) => Second.Forward(Tensor.Tanh(First.Forward(x)));
}

/// <summary>Holds the same submodule twice (field and array) plus a module that holds it too.</summary>
[Module]
public sealed partial class SharingHolder : Module
{
    private readonly Dense shared;
    private readonly Dense[] heads;
    private readonly List<Dense> tails;
    private readonly TwoDense? unused = null;
    [Param] private Tensor? scaleFactor;

    public SharingHolder(Dense shared) : base("holder")
    {
        this.shared = shared;
        heads = [shared, new Dense(1, "head")];
        tails = [new Dense(1)];
    }

    public Tensor Forward(Tensor x)
    {
        var scale = GetScaleFactor([1], Tensor.Ones);
        var h = shared.Forward(x) * scale;
        return heads[1].Forward(h) + tails[0].Forward(h) + (unused is null ? 0f : 1f);
    }
}

/// <summary>A module with no parameters of its own that wraps another one.</summary>
[Module]
public sealed partial class Wrapper : Module
{
    private Module inner;

    public Wrapper(Module inner, string? name = null) : base(name) => this.inner = inner;

    public Module Inner => inner;

    public void SwapInner(Module replacement) => inner = replacement;
}

/// <summary>h' = tanh(x·w + h·u), output = 2·h'.</summary>
[Module]
public sealed partial class ToyCore : Module, IRnnCore<ToyState>
{
    [Param] private Tensor? w;
    [Param] private Tensor? u;

    public ToyCore(int hiddenSize) : base() => HiddenSize = hiddenSize;

    public int HiddenSize { get; }

    public (Tensor Output, ToyState State) Step(Tensor input, ToyState state)
    {
        var wx = GetW([input.Dim(-1), HiddenSize], s => Tensor.Uniform(Rng, s, -0.5f, 0.5f));
        var uh = GetU([HiddenSize, HiddenSize], s => Tensor.Uniform(Rng, s, -0.5f, 0.5f));
        var h = Tensor.Tanh(input.MatMul(wx) + state.Hidden.MatMul(uh));
        return (h * 2f, new ToyState(h, state.Steps + 1f));
    }

    public ToyState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, HiddenSize), Tensor.Zeros(batchSize, 1));
}

/// <summary>The toy core's state.</summary>
[State]
public readonly partial record struct ToyState(Tensor Hidden, Tensor Steps);

/// <summary>A nested state tree.</summary>
[State]
public readonly partial record struct TreeState(Tensor MemoryWords, ToyState Controller, Tensor Usage);

/// <summary>A non-positional state struct.</summary>
[State]
public partial struct PlainState
{
    public Tensor First { get; init; }

    public Tensor SecondOne;
}

/// <summary>A flat interface vector with three parts.</summary>
[Parts]
public readonly partial record struct ToyInterface(
    [Part("reads", "word")] Tensor ReadKeys,
    [Part("reads")] Tensor ReadStrengths,
    [Part("2")] Tensor Gates,
    [Part] Tensor Scalar);

/// <summary>An abstract module with a parameter of its own, for derived modules.</summary>
[Module]
public abstract partial class ScaledBase : Module
{
    [Param] private Tensor? scale;

    protected ScaledBase(string? name) : base(name)
    {
    }

    protected Tensor Scale(Tensor x) => x * GetScale([1], Tensor.Ones);
}

/// <summary>A module that adds a submodule to its base's parameter.</summary>
[Module]
public sealed partial class ScaledDense : ScaledBase
{
    private readonly Dense dense = new(2);

    public ScaledDense(string? name = null) : base(name)
    {
    }

    public Tensor Forward(Tensor x) => Scale(dense.Forward(x));
}

/// <summary>Children in a dictionary and in a jagged array.</summary>
[Module]
public sealed partial class KeyedHolder : Module
{
    private readonly Dictionary<string, Dense> byRole;
    private readonly Dense[][] grid;

    public KeyedHolder() : base("keyed")
    {
        // Inserted out of order: enumeration follows the keys' ordinal order, not insertion.
        byRole = new() { ["value"] = new Dense(1), ["query"] = new Dense(2), ["a/b"] = new Dense(1) };
        grid = [[new Dense(1)], [new Dense(1), new Dense(1)]];
    }

    public IReadOnlyDictionary<string, Dense> ByRole => byRole;

    public Dense[][] Grid => grid;

    public Tensor Forward(Tensor x)
    {
        var sum = byRole["query"].Forward(x).Sum() + byRole["value"].Forward(x).Sum() + byRole["a/b"].Forward(x).Sum();
        foreach (var row in grid)
            foreach (var d in row) sum = sum + d.Forward(x).Sum();
        return sum;
    }
}

/// <summary>Passes its input through a shared dense layer.</summary>
[Module]
public sealed partial class Branch : Module
{
    private readonly Dense dense;

    public Branch(Dense dense) => this.dense = dense;

    public Tensor Forward(Tensor x) => dense.Forward(x);
}

/// <summary>
/// A layer shared by two branches and also exposed as an auto-property declared after them; the holder is
/// created (its base constructor runs) before any of them.
/// </summary>
[Module]
public sealed partial class LateHolder : Module
{
    private readonly Branch left;
    private readonly Branch right;

    public LateHolder() : base("late_holder")
    {
        Shared = new Dense(2);
        left = new Branch(Shared);
        right = new Branch(Shared);
    }

    public Dense Shared { get; }

    public Tensor Forward(Tensor x) => left.Forward(x) + right.Forward(x);
}

/// <summary>Two replaceable children, for tests of how enumeration follows changes to the tree.</summary>
[Module]
public sealed partial class PairHolder : Module
{
    public PairHolder(Module first, Module second) : base("pair")
    {
        First = first;
        Second = second;
    }

    public Module First { get; set; }

    public Module Second { get; set; }
}
