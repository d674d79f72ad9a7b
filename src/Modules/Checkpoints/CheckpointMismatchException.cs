namespace Modules.Checkpoints;

/// <summary>
/// Thrown when a checkpoint does not fit the model or optimizer it is loaded into (a parameter is missing or extra, a
/// shape differs, the optimizer state is another optimizer's or absent) or was written with another configuration.
/// The one-line message names the file and the first <see cref="ProblemsInMessage"/> problems (separated by <c>; </c>)
/// with the count of the rest; <see cref="Problems"/> lists all. Nothing is loaded when it is thrown.
/// </summary>
public sealed class CheckpointMismatchException : CheckpointException
{
    /// <summary>Creates the exception listing <paramref name="problems"/> for <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="problems">One entry per problem.</param>
    public CheckpointMismatchException(string path, IReadOnlyList<string> problems)
        : base(path, "checkpoint does not match the model: " + Summarize(problems))
    {
        Problems = problems;
    }

    /// <summary>The first <see cref="ProblemsInMessage"/> problems, separated by <c>; </c>, and the count of the rest.</summary>
    public string Summary => Summarize(Problems);

    /// <summary>At most this many problems are spelled out in the message (a model of another kind mismatches every parameter).</summary>
    public const int ProblemsInMessage = 4;

    private static string Summarize(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var shown = string.Join("; ", problems.Take(ProblemsInMessage));
        return problems.Count <= ProblemsInMessage ? shown : $"{shown}; and {problems.Count - ProblemsInMessage} more";
    }

    /// <summary>One entry per problem, e.g. <c>parameter 'dnc/lstm/w_gates': checkpoint has [34, 48], model has [30, 48]</c>.</summary>
    public IReadOnlyList<string> Problems { get; }
}
