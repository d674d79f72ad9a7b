namespace Modules.Generators.Tests;

/// <summary>The generated source for representative declarations, compared with files under Snapshots/.</summary>
public class SnapshotTests
{
    public static readonly Dictionary<string, string> Inputs = new()
    {
        ["Module"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo.Layers;

            [Module]
            public sealed partial class Controller : Module
            {
                [Param] private Tensor? wGates;
                [Param] private Tensor? @event;
                private readonly Linear input = new();
                private readonly Linear[] heads = [];
                public List<Linear> Outputs { get; } = [];
                public IReadOnlyList<Module> Extra { get; set; } = [];
                private readonly Dictionary<string, Linear> byRole = [];
                public IReadOnlyDictionary<int, List<Linear>> Stacks { get; } = new Dictionary<int, List<Linear>>();
                private readonly Linear[][] grid = [];
                private readonly int size = 3;
                public Tensor Forward(Tensor x) => GetWGates([size], Tensor.Zeros) + GetEvent([size], Tensor.Zeros) + input.Forward(x);
            }

            [Module]
            public partial class Linear : Module
            {
                [Param] private Tensor? w;
                public Tensor Forward(Tensor x) => x.MatMul(GetW([x.Dim(-1), 1], Tensor.Zeros));
            }
            """,
        ["NestedGenericModule"] = """
            using Modules;
            using Modules.Tensors;

            public static partial class Outer
            {
                [Module]
                internal sealed partial class Box<T> : Module where T : class
                {
                    [Param] private Tensor? _scale;
                    public T? Tag { get; set; }
                    public Tensor Scale() => GetScale([1], Tensor.Ones);
                }
            }
            """,
        ["State"] = """
            using Modules;
            using Modules.Tensors;

            namespace Demo.States;

            [State]
            public readonly partial record struct LinkageState(Tensor Link, Tensor PrecedenceWeights);

            [State]
            public readonly partial record struct AccessState(Tensor Memory, LinkageState Linkage, Tensor Usage);

            [State]
            public partial struct PlainState
            {
                public Tensor First { get; init; }
                public Tensor Second;
            }
            """,
        ["GenericState"] = """
            using Modules;
            using Modules.Tensors;

            namespace Demo.States;

            [State]
            public readonly partial record struct Controlled<TController>(Tensor Output, TController Controller, DeepRnnState<TController, LstmState> Stack)
                where TController : struct, IState<TController>;
            """,
        ["ComposedCore"] = """
            using Modules;
            using Modules.Tensors;

            namespace Demo.Cores;

            [State]
            public readonly partial record struct PairState(LstmState Lower, LstmState Upper);

            [Module]
            public sealed partial class Pair : Module, IRnnCore<PairState>
            {
                private readonly Lstm lower = new(4, name: "lower");
                private readonly Lstm upper = new(3, name: "upper");

                public (Tensor Output, PairState State) Step(Tensor input, PairState state)
                {
                    var (h1, s1) = lower.Step(input, state.Lower);
                    var (h2, s2) = upper.Step(h1, state.Upper);
                    return (h2, new PairState(s1, s2));
                }
            }

            [State]
            public partial struct StackState
            {
                public PairState Pair { get; init; }
                public LstmState Top { get; init; }
            }

            [Module]
            internal sealed partial class Stack : Module
            {
                private Pair? _pair = new();
                public Lstm Top { get; } = new(2, name: "top");

                internal partial StackState InitialState(int batch);
            }
            """,
        ["Parts"] = """
            using Modules;
            using Modules.Tensors;

            namespace Demo.Parts;

            [Parts]
            public readonly partial record struct AccessInterface(
                [Part("reads", "word")] Tensor ReadKeys,
                [Part("reads")] Tensor ReadStrengths,
                [Part("writes", "word")] Tensor WriteKeys,
                [Part("reads", "3")] Tensor ReadMode,
                [Part] Tensor Gate);
            """,
    };

    [Theory]
    [InlineData("Module", "Demo.Layers.Controller.g.cs")]
    [InlineData("Module", "Demo.Layers.Linear.g.cs")]
    [InlineData("NestedGenericModule", "Outer.Box_1.g.cs")]
    [InlineData("State", "Demo.States.LinkageState.g.cs")]
    [InlineData("State", "Demo.States.AccessState.g.cs")]
    [InlineData("State", "Demo.States.PlainState.g.cs")]
    [InlineData("GenericState", "Demo.States.Controlled_1.g.cs")]
    [InlineData("Parts", "Demo.Parts.AccessInterface.Parts.g.cs")]
    [InlineData("ComposedCore", "Demo.Cores.Pair.g.cs")]
    [InlineData("ComposedCore", "Demo.Cores.Stack.g.cs")]
    public void GeneratedSourceMatchesSnapshot(string input, string hintName)
    {
        var (run, errors) = GeneratorHarness.Run(Inputs[input]);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(errors);
        var generated = run.Results.Single().GeneratedSources;
        var source = Assert.Single(generated, s => s.HintName == hintName);
        SnapshotAssert.Matches(hintName[..^".g.cs".Length], source.SourceText.ToString());
    }

    [Fact]
    public void EachInputProducesExactlyTheExpectedFiles()
    {
        var (run, _) = GeneratorHarness.Run(Inputs.Values.ToArray());
        Assert.Equal(
            ["Demo.Cores.Pair.g.cs", "Demo.Cores.PairState.g.cs", "Demo.Cores.Stack.g.cs", "Demo.Cores.StackState.g.cs",
             "Demo.Layers.Controller.g.cs", "Demo.Layers.Linear.g.cs", "Demo.Parts.AccessInterface.Parts.g.cs",
             "Demo.States.AccessState.g.cs", "Demo.States.Controlled_1.g.cs", "Demo.States.LinkageState.g.cs", "Demo.States.PlainState.g.cs", "Outer.Box_1.g.cs"],
            run.Results.Single().GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LineDiffShowsOnlyChangedLines()
    {
        var diff = SnapshotAssert.LineDiff("a\nb\nc", "a\nB\nc\nd");
        Assert.Equal("line 2:\n  - b\n  + B\nline 4:\n  + d\n", diff);
    }
}
