namespace Modules.Checkpoints;

/// <summary>
/// Thrown when a checkpoint does not fit the model or optimizer it is loaded into (a parameter is missing or extra, a
/// shape differs, the optimizer state is another optimizer's or absent) or was written with another configuration.
/// The one-line message names the file and every problem (separated by <c>; </c>); nothing is loaded when it is thrown.
/// </summary>
public sealed class CheckpointMismatchException : CheckpointException
{
    /// <summary>Creates the exception listing <paramref name="problems"/> for <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="problems">One entry per problem.</param>
    public CheckpointMismatchException(string path, IReadOnlyList<string> problems)
        : base(path, "checkpoint does not match the model: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    /// <summary>One entry per problem, e.g. <c>parameter 'dnc/lstm/w_gates': checkpoint has [34, 48], model has [30, 48]</c>.</summary>
    public IReadOnlyList<string> Problems { get; }
}
