using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Modules.Snapshots;

/// <summary>
/// Snapshot testing without external packages: compares text (typically a state tree's <c>ToJson()</c>) with a
/// checked-in <c>*.verified.json</c>. On a mismatch it writes the actual text to <c>*.received.json</c> beside it and
/// throws <see cref="SnapshotMismatchException"/> with a line diff; accepting a change means renaming the received
/// file over the verified one. Line endings are normalised (CRLF and CR become LF) and trailing newlines ignored.
/// Text that parses as JSON is compared, and written, indented with one value per line (numbers keep their exact
/// text), so a compact <c>ToJson()</c> snapshot still gives a diff that points at the changed values; the message also
/// names the JSON paths that differ (for a state tree, its state paths: <c>access/memory</c>).
/// </summary>
/// <remarks>
/// To accept every new or changed snapshot at once, run the tests with the environment variable
/// <c>MODULES_ACCEPT_SNAPSHOTS=1</c> (<see cref="AcceptVariable"/>): <see cref="Match(string, string)"/> then writes
/// the received text over the verified file (creating it if needed) instead of failing. Review the changes with
/// <c>git diff</c> before committing them.
/// </remarks>
public static class Snapshot
{
    /// <summary>The environment variable that, set to <c>1</c> or <c>true</c>, makes mismatches and missing snapshots accepted.</summary>
    public const string AcceptVariable = "MODULES_ACCEPT_SNAPSHOTS";

    /// <summary>Whether <see cref="AcceptVariable"/> is set to <c>1</c> or <c>true</c> (any case) in this process.</summary>
    public static bool AcceptsChanges =>
        Environment.GetEnvironmentVariable(AcceptVariable) is { } value &&
        (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Asserts that <paramref name="actual"/> equals the contents of <paramref name="verifiedPath"/>. On success a stale
    /// received file is deleted; otherwise the received file is written and <see cref="SnapshotMismatchException"/> thrown,
    /// or, when <see cref="AcceptsChanges"/>, the verified file is written and the call returns.
    /// </summary>
    /// <param name="actual">The text produced by the code under test.</param>
    /// <param name="verifiedPath">The checked-in snapshot, e.g. <c>Snapshots/lstm_state.verified.json</c>.</param>
    public static void Match(string actual, string verifiedPath)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(verifiedPath);
        string received = ReceivedPathFor(verifiedPath);
        string normalisedActual = Normalise(actual);

        if (AcceptsChanges && (!File.Exists(verifiedPath) || Normalise(File.ReadAllText(verifiedPath)) != normalisedActual))
        {
            WriteText(verifiedPath, normalisedActual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        if (!File.Exists(verifiedPath))
        {
            WriteText(received, normalisedActual);
            throw new SnapshotMismatchException(
                $"Snapshot {verifiedPath} does not exist yet. The received text was written to {received}.{Environment.NewLine}" +
                $"Review it and, if it is right, accept it by renaming it: mv \"{received}\" \"{verifiedPath}\" (or rerun with {AcceptVariable}=1 to accept all)",
                verifiedPath, received, "");
        }

        string verified = Normalise(File.ReadAllText(verifiedPath));
        if (verified == normalisedActual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        WriteText(received, normalisedActual);
        string diff = LineDiff.Compute(verified, normalisedActual);
        var changed = JsonDiff.Compute(verified, normalisedActual) ?? [];
        string paths = changed.Count == 0 ? "" :
            $"Paths that differ (verified → received):{Environment.NewLine}" +
            string.Concat(changed.Select(c => "  " + c + Environment.NewLine));
        throw new SnapshotMismatchException(
            $"Snapshot {verifiedPath} does not match; the received text was written to {received}.{Environment.NewLine}" +
            $"If the change is intended, accept it: mv \"{received}\" \"{verifiedPath}\" (or rerun with {AcceptVariable}=1 to accept all){Environment.NewLine}" +
            paths +
            $"Diff (- verified, + received):{Environment.NewLine}{diff}",
            verifiedPath, received, diff, changed);
    }

    /// <summary>
    /// Like <see cref="Match"/> with the verified file next to the calling source file:
    /// <c>{directory of the caller's .cs file}/{name}.verified.json</c>, so snapshots live beside the tests that check them.
    /// </summary>
    /// <param name="actual">The text produced by the code under test.</param>
    /// <param name="name">The snapshot's name, e.g. <c>LstmTests.initial_state</c>.</param>
    /// <param name="callerFilePath">Filled in by the compiler.</param>
    public static void MatchBesideSource(string actual, string name, [CallerFilePath] string callerFilePath = "")
    {
        string directory = Path.GetDirectoryName(callerFilePath) ?? ".";
        Match(actual, Path.Combine(directory, name + ".verified.json"));
    }

    /// <summary>
    /// The received-file path for a verified path: <c>x.verified.json</c> → <c>x.received.json</c>; any other
    /// <c>x.ext</c> → <c>x.received.ext</c>.
    /// </summary>
    /// <param name="verifiedPath">The checked-in snapshot's path.</param>
    public static string ReceivedPathFor(string verifiedPath)
    {
        string extension = Path.GetExtension(verifiedPath);
        string stem = verifiedPath[..^extension.Length];
        if (stem.EndsWith(".verified", StringComparison.Ordinal)) stem = stem[..^".verified".Length];
        return stem + ".received" + extension;
    }

    /// <summary>
    /// Matches a state tree's <see cref="IState{TSelf}.ToJson"/> snapshot against <paramref name="verifiedPath"/>; see
    /// <see cref="Match(string, string)"/>.
    /// </summary>
    /// <param name="state">The state to snapshot.</param>
    /// <param name="verifiedPath">The checked-in snapshot.</param>
    public static void Match<TState>(TState state, string verifiedPath) where TState : struct, IState<TState> =>
        Match(state.ToJson(), verifiedPath);

    /// <summary>
    /// The text as compared and written: LF line endings, no trailing newline, and JSON (when it parses) re-indented
    /// with two spaces and one array element per line.
    /// </summary>
    /// <param name="text">Snapshot text.</param>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string lines = text.Replace("\r\n", "\n").Replace('\r', '\n').TrimEnd('\n');
        return TryIndentJson(lines) ?? lines;
    }

    private static string? TryIndentJson(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '[')) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
            {
                Indented = true,
                NewLine = "\n",
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }))
            {
                document.RootElement.WriteTo(writer);
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteText(string path, string text)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, text + "\n");
    }
}
