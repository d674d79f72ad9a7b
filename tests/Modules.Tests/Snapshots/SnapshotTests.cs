using Modules.Snapshots;
using Modules.Tensors;
using Modules.Tests.Checkpoints;

namespace Modules.Tests.Snapshots;

public sealed class SnapshotTests : IDisposable
{
    private const string Verified = "{\n  \"hidden\": {\n    \"shape\": [1, 2],\n    \"values\": [0.5, -0.25]\n  }\n}\n";
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void MatchingTextPassesAndRemovesAStaleReceivedFile()
    {
        string verified = temp.File("state.verified.json");
        File.WriteAllText(verified, Verified);
        File.WriteAllText(temp.File("state.received.json"), "old");
        Snapshot.Match(Verified, verified);
        Assert.False(File.Exists(temp.File("state.received.json")));
    }

    [Fact]
    public void LineEndingsAndTrailingNewlinesAreNormalised()
    {
        string verified = temp.File("state.verified.json");
        File.WriteAllText(verified, Verified.Replace("\n", "\r\n"));
        Snapshot.Match(Verified.TrimEnd('\n'), verified);
        Snapshot.Match(Verified + "\n\n", verified);
    }

    [Fact]
    public void MismatchWritesReceivedAndThrowsWithALineDiff()
    {
        string verified = temp.File("state.verified.json");
        File.WriteAllText(verified, Verified);
        string actual = Verified.Replace("-0.25", "-0.75");

        var error = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match(actual, verified));

        string received = temp.File("state.received.json");
        Assert.Equal(received, error.ReceivedPath);
        Assert.Equal(Snapshot.Normalise(actual) + "\n", File.ReadAllText(received));
        // JSON is compared one value per line, so the diff points at the changed number.
        Assert.Equal(
            "@@ -7,5 +7,5 @@\n" +
            "      \"values\": [\n" +
            "        0.5,\n" +
            "-       -0.25\n" +
            "+       -0.75\n" +
            "      ]\n" +
            "    }\n",
            error.Diff);
        Assert.Contains(error.Diff, error.Message);
        Assert.Contains($"mv \"{received}\" \"{verified}\"", error.Message);
        Assert.Equal(Verified, File.ReadAllText(verified)); // the verified file is never touched
    }

    [Fact]
    public void JsonIsComparedByContentLayoutNotWhitespace()
    {
        string verified = temp.File("compact.verified.json");
        File.WriteAllText(verified, "{\"a\":{\"shape\":[2],\"values\":[1,-0.5]}}");
        Snapshot.Match("{ \"a\": { \"shape\": [ 2 ], \"values\": [ 1, -0.5 ] } }", verified);
        Assert.Equal("{\n  \"a\": [\n    1e-7\n  ]\n}", Snapshot.Normalise("{\"a\":[1e-7]}"));
        Assert.Equal("not json {", Snapshot.Normalise("not json {\r\n\r\n"));
    }

    [Fact]
    public void StateTreesAreSnapshotThroughTheirJson()
    {
        var state = new LstmState(new Tensor([0.5f, -0.25f], 1, 2), Tensor.Zeros(1, 2));
        string verified = temp.File("lstm.verified.json");
        File.WriteAllText(verified, state.ToJson());
        Snapshot.Match(state, verified);
        var changed = state with { Cell = Tensor.Ones(1, 2) };
        var error = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match(changed, verified));
        Assert.Contains("-       0", error.Diff);
        Assert.Contains("+       1", error.Diff);
    }

    [Fact]
    public void MissingVerifiedFileWritesReceivedAndExplainsHowToAccept()
    {
        string verified = temp.File("new.verified.json");
        var error = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match("{}", verified));
        Assert.Equal("{}\n", File.ReadAllText(temp.File("new.received.json")));
        Assert.Contains("does not exist yet", error.Message);
        Assert.Contains("accept it by renaming it", error.Message);
        Assert.False(File.Exists(verified));
    }

    [Fact]
    public void VerifiedFileBesideTheTestSourceIsFound() =>
        Snapshot.MatchBesideSource(Verified, "SnapshotTests.example");

    [Theory]
    [InlineData("a/state.verified.json", "a/state.received.json")]
    [InlineData("a/state.verified.txt", "a/state.received.txt")]
    [InlineData("a/state.json", "a/state.received.json")]
    public void ReceivedPathSitsBesideTheVerifiedOne(string verified, string received) =>
        Assert.Equal(received, Snapshot.ReceivedPathFor(verified));

    [Fact]
    public void DiffAlignsInsertionsAndDeletionsAndSeparatesDistantHunks()
    {
        // Line 2 deleted, "x" inserted after line 4; line 11 changed far below, giving a second hunk.
        string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12";
        string after = "1\n3\n4\nx\n5\n6\n7\n8\n9\n10\neleven\n12";
        Assert.Equal(
            "@@ -1,6 +1,6 @@\n" +
            "  1\n- 2\n  3\n  4\n+ x\n  5\n  6\n" +
            "@@ -9,4 +9,4 @@\n" +
            "  9\n  10\n- 11\n+ eleven\n  12\n",
            LineDiff.Compute(before, after));
        Assert.Equal("", LineDiff.Compute(before, before));
    }

    [Fact]
    public void AMismatchNamesTheStatePathsThatDiffer()
    {
        var state = new Modules.Tests.Core.TreeState(
            Tensor.Zeros(1, 2), new Modules.Tests.Core.ToyState(new Tensor([0.5f, -0.25f], 1, 2), Tensor.Ones(1, 1)), Tensor.Zeros(1, 2));
        string verified = temp.File("tree.verified.json");
        File.WriteAllText(verified, state.ToJson());
        var changed = state with
        {
            Controller = state.Controller with { Hidden = new Tensor([0.5f, 0.75f], 1, 2) },
            Usage = Tensor.Zeros(1, 3),
        };

        var error = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match(changed, verified));

        Assert.Equal(["controller/hidden: 1 of 2 values differ, first at [1]: -0.25 → 0.75", "usage: shape [1, 2] → [1, 3]"], error.ChangedPaths);
        Assert.Contains("  controller/hidden: 1 of 2 values differ", error.Message);
    }
}

/// <summary>Tests that set process environment variables, run alone so no other test sees them.</summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;

[Collection(nameof(EnvironmentCollection))]
public sealed class SnapshotAcceptTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Snapshot.AcceptVariable, null);
        temp.Dispose();
    }

    [Fact]
    public void TheAcceptVariableWritesNewAndChangedSnapshotsInsteadOfFailing()
    {
        string verified = temp.File("state.verified.json");
        string received = temp.File("state.received.json");
        Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match("{\"a\": 1}", verified));
        Assert.True(File.Exists(received));

        Environment.SetEnvironmentVariable(Snapshot.AcceptVariable, "1");
        Snapshot.Match("{\"a\": 1}", verified);
        Assert.Equal("{\n  \"a\": 1\n}\n", File.ReadAllText(verified));
        Assert.False(File.Exists(received));
        Snapshot.Match("{\"a\": 2}", verified);
        Assert.Equal("{\n  \"a\": 2\n}\n", File.ReadAllText(verified));

        Environment.SetEnvironmentVariable(Snapshot.AcceptVariable, "0");
        Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match("{\"a\": 3}", verified));
        Assert.Equal("{\n  \"a\": 2\n}\n", File.ReadAllText(verified));
    }
}
