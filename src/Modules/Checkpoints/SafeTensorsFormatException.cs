namespace Modules.Checkpoints;

/// <summary>
/// Thrown when a safetensors file is malformed (truncated, bad header, offsets out of range or overlapping, unknown
/// dtype). The message starts with the file's name and says what is wrong.
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="source"/> (a file path or a description of the bytes).</summary>
    /// <param name="source">The file that was being read.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="inner">The underlying error, e.g. a JSON parse error.</param>
    public SafeTensorsFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        FilePath = source;
        Problem = problem;
    }

    /// <summary>The file that was being read.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
