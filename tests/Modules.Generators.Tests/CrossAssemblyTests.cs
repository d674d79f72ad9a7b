using Microsoft.CodeAnalysis;

namespace Modules.Generators.Tests;

/// <summary>State trees and modules that use [State] types and modules from a referenced assembly.</summary>
public class CrossAssemblyTests
{
    [Fact]
    public void StateFromAReferencedAssemblyNestsAndModulesFromItAreChildren()
    {
        var library = GeneratorHarness.Compile("""
            using Modules;
            using Modules.Tensors;

            namespace Lib;

            [State]
            public readonly partial record struct CellState(Tensor Hidden, Tensor Cell);

            [Module]
            public sealed partial class Cell : Module
            {
                [Param] private Tensor? w;
                public Tensor Weight() => GetW([1], Tensor.Ones);
            }
            """);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(library, out var generatedLibrary, out _);
        using var image = new MemoryStream();
        var emit = generatedLibrary.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));

        var app = GeneratorHarness.Compile("""
            using Modules;
            using Modules.Tensors;

            namespace App;

            [State]
            public readonly partial record struct CoreState(Tensor Output, Lib.CellState Controller);

            [Module]
            public sealed partial class Core : Module
            {
                private readonly Lib.Cell cell = new();
            }
            """).AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(app, out var generatedApp, out _);

        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Empty(generatedApp.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var sources = driver.GetRunResult().Results.Single().GeneratedSources;
        var state = sources.Single(s => s.HintName == "App.CoreState.g.cs").SourceText.ToString();
        Assert.Contains("global::Modules.StateLists.Prefix(\"controller\", global::Lib.CellState.Paths)", state);
        var core = sources.Single(s => s.HintName == "App.Core.g.cs").SourceText.ToString();
        Assert.Contains("visitor.Child(this.cell);", core);
    }
}
