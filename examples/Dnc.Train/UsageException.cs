namespace DncTrain;

/// <summary>
/// A problem with the command line or the checkpoint directory that the user must fix; the program prints
/// its one-line message to stderr and exits with code 2.
/// </summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The run stopped because <c>--max-non-finite-steps</c> steps in a row had a non-finite loss or gradient (none was
/// applied); the program prints its one-line message to stderr and exits with <see cref="Cli.Diverged"/>.
/// </summary>
public sealed class DivergedException(string message) : Exception(message);
