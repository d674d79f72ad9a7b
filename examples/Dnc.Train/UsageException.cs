using System.Globalization;

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

/// <summary>Values of the secondary modes' flags (<c>evaluate</c>, <c>babi-generate</c>), each refused in one line naming the mode and flag.</summary>
internal static class ModeArguments
{
    /// <summary><paramref name="value"/> as an integer above zero.</summary>
    /// <exception cref="UsageException">It is not one.</exception>
    public static int PositiveInt(string mode, string flag, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
            : throw new UsageException($"{mode}: {flag} needs a positive integer, got '{value}'");

    /// <summary><paramref name="value"/> as a seed (a non-negative integer).</summary>
    /// <exception cref="UsageException">It is not one.</exception>
    public static ulong Seed(string mode, string value) =>
        ulong.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s) ? s
            : throw new UsageException($"{mode}: --seed needs a non-negative integer, got '{value}'");
}
