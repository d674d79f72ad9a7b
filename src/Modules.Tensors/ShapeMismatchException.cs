namespace Modules.Tensors;

/// <summary>
/// An op or module was given a tensor whose shape does not fit. Every instance carries the same three facts,
/// <see cref="Op"/> (the op or module path that checked), <see cref="Expected"/> and <see cref="Actual"/>, and writes its
/// one-line message from them: <c>two_layer/linear: input must be [32, 20] (last dimension 20), got [32, 21]</c> for a
/// shape checked against the one required, <c>MatMul: shapes [2, 3] and [4, 5] have inner dimensions 3 and 4</c> for two
/// operands that do not fit together.
/// </summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>
    /// A shape checked against the one required: <c>{op}: {subject} must be {expected}{note}, got {actual}</c>. A
    /// negative dimension in <paramref name="expected"/> stands for any size and reads <c>?</c>
    /// (<c>input must be [?, 20], got [20]</c>).
    /// </summary>
    /// <param name="op">The op or module path that checks the shape (<c>two_layer/linear</c>, <c>LinkUpdate</c>).</param>
    /// <param name="subject">What was checked (<c>input</c>, <c>state memory</c>, <c>part read_keys</c>).</param>
    /// <param name="expected">The shape required; a negative dimension is any size.</param>
    /// <param name="actual">The shape given.</param>
    /// <param name="note">Said after the expected shape, e.g. <c> (last dimension 20)</c>.</param>
    public ShapeMismatchException(string op, string subject, ReadOnlySpan<int> expected, ReadOnlySpan<int> actual, string? note = null)
        : this(op, expected, actual, $"{op}: {subject} must be {ShapeUtil.Format(expected, anyDimension: true)}{note}, got {ShapeUtil.Format(actual)}", 0)
    {
    }

    /// <summary>
    /// Two operands that do not fit together: <c>{op}: shapes {first} and {second} {detail}</c>, the detail by default
    /// <c>do not match</c>. <see cref="Expected"/> is <paramref name="first"/>, the shape the second operand is checked
    /// against, and <see cref="Actual"/> is <paramref name="second"/>.
    /// </summary>
    /// <param name="op">The op or module path that checks the shapes.</param>
    /// <param name="first">The first operand's shape.</param>
    /// <param name="second">The second operand's shape.</param>
    /// <param name="detail">How they disagree (<c>cannot be broadcast together</c>); by default <c>do not match</c>.</param>
    public ShapeMismatchException(string op, ReadOnlySpan<int> first, ReadOnlySpan<int> second, string? detail = null)
        : this(op, first, second, $"{op}: shapes {ShapeUtil.Format(first)} and {ShapeUtil.Format(second)} {detail ?? "do not match"}", 0)
    {
    }

    private ShapeMismatchException(string op, ReadOnlySpan<int> expected, ReadOnlySpan<int> actual, string message, int _) : base(message)
    {
        Op = op;
        Expected = expected.ToArray();
        Actual = actual.ToArray();
    }

    /// <summary>The op or module path that rejected the shape.</summary>
    public string Op { get; }

    /// <summary>The shape required (negative dimensions: any size), or the first of two operands.</summary>
    public int[] Expected { get; }

    /// <summary>The shape given, or the second of two operands.</summary>
    public int[] Actual { get; }
}
