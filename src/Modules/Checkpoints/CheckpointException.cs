namespace Modules.Checkpoints;

/// <summary>
/// The one exception type the checkpoint and safetensors readers throw, whatever the bytes: the file is missing,
/// unreadable or not a regular file, malformed (<see cref="SafeTensorsFormatException"/>), fails its checksums, holds
/// non-finite values or inconsistent optimizer state, or does not fit the model (<see cref="CheckpointMismatchException"/>).
/// The message is one line: the file, a colon, and the problem. Derives from <see cref="IOException"/> so callers that
/// already handle I/O failures of a checkpoint handle these too.
/// </summary>
public class CheckpointException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The file that was being read or written (or a description of the bytes).</param>
    /// <param name="problem">What is wrong with it; line breaks are replaced so the message stays on one line.</param>
    /// <param name="inner">The underlying error, e.g. a JSON parse error or an operating-system error.</param>
    public CheckpointException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {OneLine(problem)}", inner)
    {
        FilePath = filePath;
        Problem = OneLine(problem);
    }

    /// <summary>The file that was being read or written.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
