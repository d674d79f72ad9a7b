namespace DncTrain;

/// <summary>
/// A problem with the command line or the checkpoint directory that the user must fix; the program prints
/// its one-line message to stderr and exits with code 2.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
