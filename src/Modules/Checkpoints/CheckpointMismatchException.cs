namespace Modules.Checkpoints;

/// <summary>
/// Thrown by <c>Checkpoint.Load</c> when a checkpoint does not fit the model or optimizer it is loaded into:
/// a parameter is missing or extra, or a shape differs. The message names the file and every offending path (with
/// both shapes for a mismatch); nothing is loaded when it is thrown.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception listing <paramref name="problems"/> for <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="problems">One line per problem.</param>
    public CheckpointMismatchException(string path, IReadOnlyList<string> problems)
        : base($"{path}: checkpoint does not match the model:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
    {
        FilePath = path;
        Problems = problems;
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; }

    /// <summary>One line per problem, e.g. <c>parameter 'dnc/lstm/w_gates': checkpoint has [34, 48], model has [30, 48]</c>.</summary>
    public IReadOnlyList<string> Problems { get; }
}
