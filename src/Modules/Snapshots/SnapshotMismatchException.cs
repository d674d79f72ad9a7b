namespace Modules.Snapshots;

/// <summary>
/// Thrown by <see cref="Snapshot.Match"/> when the received text differs from the verified file or the verified
/// file does not exist. The message says where the received file was written, how to accept it, and shows a line diff.
/// </summary>
public sealed class SnapshotMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full, readable explanation.</param>
    /// <param name="verifiedPath">The checked-in snapshot.</param>
    /// <param name="receivedPath">Where the actual text was written.</param>
    /// <param name="diff">The line diff (empty when the verified file is missing).</param>
    /// <param name="changedPaths">For JSON, one line per path that differs (empty otherwise).</param>
    public SnapshotMismatchException(string message, string verifiedPath, string receivedPath, string diff, IReadOnlyList<string>? changedPaths = null)
        : base(message)
    {
        ChangedPaths = changedPaths ?? [];
        VerifiedPath = verifiedPath;
        ReceivedPath = receivedPath;
        Diff = diff;
    }

    /// <summary>The checked-in snapshot (<c>*.verified.json</c>).</summary>
    public string VerifiedPath { get; }

    /// <summary>Where the actual text was written (<c>*.received.json</c>).</summary>
    public string ReceivedPath { get; }

    /// <summary>
    /// For JSON snapshots, one line per differing path with what changed (<c>access/memory: 2 of 24 values differ, first at
    /// [5]: 0.1 → 0.2</c>); empty when the verified file is missing or the text is not JSON.
    /// </summary>
    public IReadOnlyList<string> ChangedPaths { get; }

    /// <summary>The line diff: <c>-</c> lines only in the verified file, <c>+</c> lines only in the received text.</summary>
    public string Diff { get; }
}
