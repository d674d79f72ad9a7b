namespace Modules.Tensors;

/// <summary>
/// An op was given tensors whose shapes do not fit together. The message names the op and both shapes, written by one
/// formatter: <c>op: shapes [2, 3] and [3, 2] do not match</c> for two operands, or, from <see cref="Expected"/>,
/// <c>op: input must be [32, 20] (last dimension 20), got [32, 21]</c> for a shape checked against the one required.
/// </summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="op"/> with the two offending shapes.</summary>
    public ShapeMismatchException(string op, ReadOnlySpan<int> left, ReadOnlySpan<int> right, string? detail = null)
        : this(op, left, right, $"{op}: shapes {ShapeUtil.Format(left)} and {ShapeUtil.Format(right)} {detail ?? "do not match"}", 0)
    {
    }

    /// <summary>Creates the exception with a message of the caller's own; prefer the constructors that name the op and both shapes.</summary>
    public ShapeMismatchException(string message) : base(message)
    {
        Op = "";
        Left = [];
        Right = [];
    }

    private ShapeMismatchException(string op, ReadOnlySpan<int> left, ReadOnlySpan<int> right, string message, int _) : base(message)
    {
        Op = op;
        Left = left.ToArray();
        Right = right.ToArray();
    }

    /// <summary>
    /// The exception for a shape checked against the one required: <c>{op}: {subject} must be {expected}{note}, got
    /// {actual}</c>, with <see cref="Left"/> the expected and <see cref="Right"/> the actual shape.
    /// </summary>
    /// <param name="op">The op or module path that checks the shape (<c>two_layer/linear</c>).</param>
    /// <param name="expected">The shape required.</param>
    /// <param name="actual">The shape given.</param>
    /// <param name="subject">What was checked (<c>input</c>, <c>part read_keys</c>).</param>
    /// <param name="note">Said after the expected shape, e.g. <c> (last dimension 20)</c>.</param>
    public static ShapeMismatchException Expected(string op, ReadOnlySpan<int> expected, ReadOnlySpan<int> actual, string subject = "input", string? note = null) =>
        new(op, expected, actual, $"{op}: {subject} must be {ShapeUtil.Format(expected)}{note}, got {ShapeUtil.Format(actual)}", 0);

    /// <summary>The op that rejected the shapes.</summary>
    public string Op { get; }

    /// <summary>The first shape.</summary>
    public int[] Left { get; }

    /// <summary>The second shape.</summary>
    public int[] Right { get; }
}
