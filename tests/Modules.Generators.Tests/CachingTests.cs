using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Modules.Generators.Tests;

/// <summary>The pipeline caches: an unchanged or unrelatedly edited compilation reuses every model.</summary>
public class CachingTests
{
    private static readonly string[] TrackedSteps = [ModuleGenerator.ModuleStep, ModuleGenerator.StateStep, ModuleGenerator.PartsStep];

    [Fact]
    public void SecondRunOverTheSameCompilationIsCached()
    {
        var compilation = GeneratorHarness.Compile(SnapshotTests.Inputs.Values.ToArray());
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult();
        driver = driver.RunGenerators(compilation.Clone());
        var second = driver.GetRunResult();

        AssertAllCached(second);
        Assert.Equal(
            first.Results[0].GeneratedSources.Select(s => s.SourceText.ToString()),
            second.Results[0].GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    [Fact]
    public void UnrelatedEditKeepsModelsCached()
    {
        var compilation = GeneratorHarness.Compile([.. SnapshotTests.Inputs.Values, "namespace Other; public class Plain { public int X; }"]);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.Last();
        var newTree = oldTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("namespace Other; public class Plain { public int X; public int Y; }"));
        var edited = compilation.ReplaceSyntaxTree(oldTree, newTree);
        driver = driver.RunGenerators(edited);

        AssertAllCached(driver.GetRunResult());
    }

    [Fact]
    public void EditingAModuleRegeneratesIt()
    {
        var compilation = GeneratorHarness.Compile(SnapshotTests.Inputs["Parts"]);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(SnapshotTests.Inputs["Parts"].Replace("[Part] Tensor Gate", "[Part(\"2\")] Tensor Gate"))));
        var result = driver.RunGenerators(edited).GetRunResult();

        var step = result.Results[0].TrackedSteps[ModuleGenerator.PartsStep];
        Assert.Contains(step.SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("(reads * 3) + 2;", result.Results[0].GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void ModelsHoldNoCompilationObjects()
    {
        var compilation = GeneratorHarness.Compile(SnapshotTests.Inputs.Values.ToArray());
        var result = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation).GetRunResult();
        foreach (var name in TrackedSteps)
            foreach (var step in result.Results[0].TrackedSteps[name])
                foreach (var (value, _) in step.Outputs)
                    AssertNoCompilationObjects(value, name);
    }

    private static void AssertAllCached(GeneratorDriverRunResult result)
    {
        var steps = result.Results[0].TrackedSteps;
        foreach (var name in TrackedSteps)
        {
            Assert.True(steps.ContainsKey(name), $"step {name} was not tracked");
            var outputs = steps[name].SelectMany(s => s.Outputs).ToArray();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{name}: {o.Reason}"));
        }
    }

    /// <summary>Walks a model's object graph and fails on symbols, syntax or compilations (they defeat caching).</summary>
    private static void AssertNoCompilationObjects(object? node, string path, int depth = 0)
    {
        if (node is null || depth > 12 || node is string || node.GetType().IsPrimitive || node is Enum) return;
        Assert.False(node is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree,
            $"{path} holds a {node.GetType().Name}");
        if (node is DiagnosticDescriptor || node is Microsoft.CodeAnalysis.Text.TextSpan || node is Microsoft.CodeAnalysis.Text.LinePositionSpan) return;
        if (node is IEnumerable items)
        {
            foreach (var item in items) AssertNoCompilationObjects(item, path + "[]", depth + 1);
            return;
        }
        foreach (var property in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetIndexParameters().Length == 0)
                AssertNoCompilationObjects(property.GetValue(node), path + "." + property.Name, depth + 1);
    }
}
