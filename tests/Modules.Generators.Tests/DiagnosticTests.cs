using Microsoft.CodeAnalysis;

namespace Modules.Generators.Tests;

/// <summary>Each generator diagnostic, reported with its id at the offending identifier (0-based line and column).</summary>
public class DiagnosticTests
{
    public static readonly TheoryData<string, string, int, int> Cases = new()
    {
        { "ModuleNotPartial", "MOD001", 7, 20 },
        { "ContainingTypeNotPartial", "MOD001", 9, 32 },
        { "StateNotPartial", "MOD001", 7, 30 },
        { "PartsNotPartial", "MOD001", 7, 30 },
        { "ModuleNotDerivedFromModule", "MOD002", 7, 28 },
        { "ParamNotTensor", "MOD003", 9, 29 },
        { "StateMemberUnsupported", "MOD004", 7, 63 },
        { "StateMemberListUnsupported", "MOD004", 10, 24 },
        { "StateNotStruct", "MOD005", 7, 21 },
        { "StateTypeParameterUnconstrained", "MOD012", 7, 74 },
        { "PartNotTensor", "MOD006", 7, 97 },
        { "PartMissing", "MOD007", 7, 82 },
        { "PartDimInvalid", "MOD008", 7, 75 },
        { "PartDimKeyword", "MOD008", 7, 71 },
        { "AccessorNameCollision", "MOD009", 9, 28 },
        { "ParamReadonly", "MOD010", 9, 37 },
        { "ParamOutsideModule", "MOD011", 8, 28 },
        { "ParamStatic", "MOD010", 9, 35 },
        { "ModulesInTuple", "MOD013", 9, 35 },
        { "ModulesInSet", "MOD013", 10, 27 },
        { "ModulesInMultiDimensionalArray", "MOD013", 9, 31 },
        { "ModulesAsDictionaryKeys", "MOD013", 10, 31 },
        { "ModuleNotMarked", "MOD014", 6, 20 },
        { "ModuleWithParamNotMarked", "MOD014", 6, 28 },
        { "DerivedModuleNotMarked", "MOD014", 11, 28 },
        { "InitialStateNotComposable", "MOD015", 12, 29 },
    };

    private static readonly Dictionary<string, string> Snippets = new()
    {
        ["ModuleNotPartial"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed class Net : Module
            {
            }
            """,
        ["ContainingTypeNotPartial"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            public class Outer
            {
                [Module]
                public sealed partial class Inner : Module
                {
                }
            }
            """,
        ["StateNotPartial"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly record struct Memory(Tensor Words);
            """,
        ["PartsNotPartial"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Parts]
            public readonly record struct Interface([Part("word")] Tensor Key);
            """,
        ["ModuleNotDerivedFromModule"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net
            {
            }
            """,
        ["ParamNotTensor"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                [Param] private float[]? weights;
            }
            """,
        ["StateMemberUnsupported"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly partial record struct Memory(Tensor Words, int Count);
            """,
        ["StateMemberListUnsupported"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public partial struct Memory
            {
                public Tensor Words { get; init; }
                public List<Tensor> Reads { get; init; }
            }
            """,
        ["StateTypeParameterUnconstrained"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly partial record struct Wrapper<TInner>(Tensor Step, TInner Inner) where TInner : struct;
            """,
        ["StateNotStruct"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public partial class Memory
            {
            }
            """,
        ["PartNotTensor"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Parts]
            public readonly partial record struct Interface([Part("word")] Tensor Key, [Part("reads")] float Strength);
            """,
        ["PartMissing"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Parts]
            public readonly partial record struct Interface([Part("word")] Tensor Key, Tensor Strength);
            """,
        ["PartDimInvalid"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Parts]
            public readonly partial record struct Interface([Part("word size")] Tensor Key);
            """,
        ["PartDimKeyword"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Parts]
            public readonly partial record struct Interface([Part("class")] Tensor Key);
            """,
        ["AccessorNameCollision"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                [Param] private Tensor? w;

                private Tensor GetW() => w!;
            }
            """,
        ["ParamReadonly"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                [Param] private readonly Tensor? w = null;
            }
            """,
        ["ParamOutsideModule"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            public sealed partial class Net
            {
                [Param] private Tensor? weights;
            }
            """,
        ["ParamStatic"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                [Param] private static Tensor? w;
            }
            """,
        ["ModulesInTuple"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                private readonly (Linear, int) pair = (new Linear(2), 1);
            }
            """,
        ["ModulesInSet"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                private readonly int size = 2;
                public HashSet<Linear> Heads { get; } = [];
            }
            """,
        ["ModulesInMultiDimensionalArray"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                private readonly Linear[,] grid = new Linear[2, 2];
            }
            """,
        ["ModulesAsDictionaryKeys"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                private readonly Dictionary<string, Linear> byName = [];
                Dictionary<Linear, string> names = [];
            }
            """,
        ["ModuleNotMarked"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            public sealed class Net : Module
            {
                private readonly Linear hidden = new(3);
            }
            """,
        ["ModuleWithParamNotMarked"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            public sealed partial class Net : Module
            {
                [Param] private Tensor? weights;
            }
            """,
        ["DerivedModuleNotMarked"] = """
            using System.Collections.Generic;
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [Module]
            public abstract partial class Base : Module
            {
            }

            public sealed partial class Derived
                : Base
            {
            }

            public sealed partial class Derived
            {
            }
            """,
        ["InitialStateNotComposable"] = """
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly partial record struct CoreState(Tensor ReadWords, LstmState Controller);

            [Module]
            public sealed partial class Core : Module
            {
                private readonly Lstm controller = new(4);
                public partial CoreState InitialState(int batchSize);
            }
            """,
    };

    [Fact]
    public void MOD015NamesTheStateMemberWithoutAChild()
    {
        var (run, _) = GeneratorHarness.Run(Snippets["InitialStateNotComposable"]);
        Assert.Equal(
            "'Core' declares partial InitialState for the generator to write, but [State] member 'ReadWords' of 'CoreState' has no child field or property 'readWords' whose InitialState(int batchSize) returns 'Modules.Tensors.Tensor'; write InitialState yourself or add the child",
            Assert.Single(run.Diagnostics).GetMessage());
    }

    [Fact]
    public void AnRnnCoreWhoseStateIsNotItsChildrensGetsNoInitialStateAndOnlyTheCompilersError()
    {
        const string source = """
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly partial record struct CoreState(Tensor ReadWords, LstmState Controller);

            [Module]
            public sealed partial class Core : Module, IRnnCore<CoreState>
            {
                private readonly Lstm controller = new(4);
                public (Tensor Output, CoreState State) Step(Tensor input, CoreState state) => (input, state);
            }
            """;
        var (run, errors) = GeneratorHarness.Run(source);

        Assert.Empty(run.Diagnostics);
        Assert.Equal("CS0535", Assert.Single(errors).Id);
        Assert.Contains("InitialState", Assert.Single(errors).GetMessage());
    }

    [Fact]
    public void AnRnnCoreThatWritesItsOwnInitialStateKeepsIt()
    {
        const string source = """
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly partial record struct PairState(LstmState Lower, LstmState Upper);

            [Module]
            public sealed partial class Pair : Module, IRnnCore<PairState>
            {
                private readonly Lstm lower = new(4);
                private readonly Lstm upper = new(4);
                public (Tensor Output, PairState State) Step(Tensor input, PairState state) => (input, state);
                public PairState InitialState(int batchSize) => new(upper.InitialState(batchSize), lower.InitialState(batchSize));
            }
            """;
        var (run, errors) = GeneratorHarness.Run(source);

        Assert.Empty(run.Diagnostics);
        Assert.Empty(errors);
        var generated = Assert.Single(run.Results.Single().GeneratedSources, s => s.HintName == "Demo.Pair.g.cs");
        Assert.DoesNotContain("InitialState", generated.SourceText.ToString());
    }

    [Fact]
    public void AnUnresolvedStateMemberTypeLeavesOnlyTheCompilersError()
    {
        const string source = """
            using Modules;
            using Modules.Tensors;

            namespace Demo;

            [State]
            public readonly partial record struct CoreState(Tensor Hidden, AccessState Access);
            """;
        var (run, errors) = GeneratorHarness.Run(source);

        Assert.Empty(run.Diagnostics);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("CS0246", e.Id));
        Assert.All(errors, e => Assert.Contains("'AccessState'", e.GetMessage()));
    }

    [Fact]
    public void UnresolvedParamAndPartTypesLeaveOnlyTheCompilersError()
    {
        const string source = """
            using Modules;

            namespace Demo;

            [Module]
            public sealed partial class Net : Module
            {
                [Param] private Tensor? w;
            }

            [Parts]
            public readonly partial record struct Heads([Part("word")] Tensor Key);
            """;
        var (run, errors) = GeneratorHarness.Run(source);

        Assert.Empty(run.Diagnostics);
        Assert.NotEmpty(errors);
        Assert.All(errors.Where(e => e.Severity == DiagnosticSeverity.Error), e => Assert.Equal("CS0246", e.Id));
    }

    [Fact]
    public void TheDiagnosticNamesTheMemberAndItsType()
    {
        var (run, _) = GeneratorHarness.Run(Snippets["ModulesInTuple"]);
        Assert.Equal(
            "Member 'pair' of type '(Modules.Linear, int)' holds modules that would be missing from NamedParameters(), Path and checkpoints; hold them in a field, an array, a list, a dictionary or a nested array or list of modules",
            Assert.Single(run.Diagnostics).GetMessage());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsTheDiagnosticAtTheOffendingDeclaration(string snippet, string id, int line, int column)
    {
        var (run, _) = GeneratorHarness.Run(Snippets[snippet]);

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal("Snippet0.cs", span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line, span.StartLinePosition.Character));
    }

    [Fact]
    public void EveryDescriptorIsCoveredAndListedInTheReleaseFile()
    {
        var ids = typeof(ModuleGenerator).Assembly.GetType("Modules.Generators.Diagnostics.DiagnosticDescriptors")!
            .GetFields()
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        var tested = Cases.Select(c => (string)c[1]).ToHashSet();
        Assert.All(ids, id => Assert.Contains(id, tested));
        var releases = File.ReadAllText(Path.Combine(SnapshotAssert.RepositoryRoot, "generators/Modules.Generators/AnalyzerReleases.Unshipped.md"));
        Assert.All(ids, id => Assert.Contains(id + " |", releases));
    }

    [Fact]
    public void ValidDeclarationsProduceNoDiagnosticsAndCompile()
    {
        var (run, errors) = GeneratorHarness.Run(SnapshotTests.Inputs.Values.ToArray());
        Assert.Empty(run.Diagnostics);
        Assert.Empty(errors);
    }
}
