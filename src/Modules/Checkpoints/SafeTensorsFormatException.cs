namespace Modules.Checkpoints;

/// <summary>
/// Thrown when a safetensors file is malformed: truncated, a header that is not valid UTF-8 or JSON or lacks fields,
/// a number out of range, an unknown dtype, tensors that do not cover the data section exactly (gaps, overlaps,
/// trailing bytes), or a recorded checksum that does not match. The message starts with the file's name and says
/// what is wrong (naming the tensor where there is one).
/// </summary>
public sealed class SafeTensorsFormatException : CheckpointException
{
    /// <summary>Creates the exception for <paramref name="source"/> (a file path or a description of the bytes).</summary>
    /// <param name="source">The file that was being read.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="inner">The underlying error, e.g. a JSON parse error.</param>
    public SafeTensorsFormatException(string source, string problem, Exception? inner = null)
        : base(source, problem, inner)
    {
    }
}
