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

            public sealed partial class Net : Module
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
    };

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
