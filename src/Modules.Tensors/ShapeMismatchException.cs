namespace Modules.Tensors;

/// <summary>An op was given tensors whose shapes do not fit together. The message names the op and both shapes.</summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="op"/> with the two offending shapes.</summary>
    public ShapeMismatchException(string op, ReadOnlySpan<int> left, ReadOnlySpan<int> right, string? detail = null)
        : base($"{op}: shapes {ShapeUtil.Format(left)} and {ShapeUtil.Format(right)} {detail ?? "do not match"}")
    {
        Op = op;
        Left = left.ToArray();
        Right = right.ToArray();
    }

    /// <summary>Creates the exception with a message of the caller's own.</summary>
    public ShapeMismatchException(string message) : base(message)
    {
        Op = "";
        Left = [];
        Right = [];
    }

    /// <summary>The op that rejected the shapes.</summary>
    public string Op { get; }

    /// <summary>The first shape.</summary>
    public int[] Left { get; }

    /// <summary>The second shape.</summary>
    public int[] Right { get; }
}
