using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Modules.Generators.Tests;

/// <summary>
/// Every C# block of the repository's README compiles as pasted into a new console project (<c>dotnet new console</c>:
/// nullable and implicit usings on) that references the packages, with the generator, without warnings.
/// </summary>
public partial class ReadmeTests
{
    /// <summary>The global usings the SDK adds to a console project (ImplicitUsings).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [GeneratedRegex(@"^```(?:csharp|cs|c#)\s*\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    public static TheoryData<int> Blocks()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < ReadBlocks().Count; i++) data.Add(i);
        return data;
    }

    private static List<string> ReadBlocks() =>
        CSharpBlock().Matches(File.ReadAllText(Path.Combine(SnapshotAssert.RepositoryRoot, "README.md")))
            .Select(m => m.Groups[1].Value)
            .ToList();

    [Fact]
    public void TheReadmeHasCSharpBlocks() => Assert.NotEmpty(ReadBlocks());

    [Theory]
    [MemberData(nameof(Blocks))]
    public void TheBlockCompilesAsPasted(int index)
    {
        string block = ReadBlocks()[index];
        // A block with top-level statements is a program; one without is a library.
        bool program = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(block, GeneratorHarness.ParseOptions)
            .GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var compilation = GeneratorHarness.Compile(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, block, ImplicitUsings);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);

        var problems = generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        Assert.True(problems.Count == 0, $"README block {index} does not compile:\n{string.Join("\n", problems)}\n---\n{block}");
    }
}
