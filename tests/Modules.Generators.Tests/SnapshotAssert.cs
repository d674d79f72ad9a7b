using System.Runtime.CompilerServices;
using System.Text;

namespace Modules.Generators.Tests;

/// <summary>
/// Compares generated source with a checked-in file under Snapshots/. On a mismatch it writes
/// <c>Name.received.cs</c> next to the expected file and fails with a line diff; to accept a change,
/// rename the received file over the expected one after reading the diff.
/// </summary>
internal static class SnapshotAssert
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string SnapshotDirectory => Path.Combine(RepositoryRoot, "tests", "Modules.Generators.Tests", "Snapshots");

    public static void Matches(string name, string actual)
    {
        actual = Normalize(actual);
        var expectedPath = Path.Combine(SnapshotDirectory, name + ".expected.cs");
        var receivedPath = Path.Combine(SnapshotDirectory, name + ".received.cs");
        var expected = File.Exists(expectedPath) ? Normalize(File.ReadAllText(expectedPath)) : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {expectedPath}; wrote {receivedPath}"
            : $"Generated source differs from {expectedPath} (wrote {receivedPath}):\n{LineDiff(expected, actual)}");
    }

    /// <summary>The lines that differ, as "-expected"/"+actual" pairs with line numbers (first 20).</summary>
    public static string LineDiff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.Max(e.Length, a.Length) && shown < 20; i++)
        {
            var left = i < e.Length ? e[i] : null;
            var right = i < a.Length ? a[i] : null;
            if (left == right) continue;
            shown++;
            sb.Append($"line {i + 1}:\n");
            if (left is not null) sb.Append("  - ").Append(left).Append('\n');
            if (right is not null) sb.Append("  + ").Append(right).Append('\n');
        }
        return sb.ToString();
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');

    /// <summary>The folder holding Modules.sln: above this source file, or (with path-mapped CI builds) above the test binaries.</summary>
    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(thisFile), AppContext.BaseDirectory })
            for (var dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
                if (File.Exists(Path.Combine(dir, "Modules.sln"))) return dir;
        throw new InvalidOperationException($"Modules.sln not found above {thisFile} or {AppContext.BaseDirectory}");
    }
}
