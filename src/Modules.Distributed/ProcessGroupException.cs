namespace Modules.Distributed;

/// <summary>
/// A collective of an <see cref="MpiProcessGroup"/> failed: MPI reported an error, or the other ranks did not join
/// within the group's timeout (a rank died or hung). The group cannot be used afterwards.
/// </summary>
public sealed class ProcessGroupException : Exception
{
    /// <summary>Creates the exception with a one-line message naming the rank and the collective.</summary>
    /// <param name="message">What failed, on which rank.</param>
    public ProcessGroupException(string message) : base(message) { }
}
