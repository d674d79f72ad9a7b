namespace Modules.Dnc.Sparse;

/// <summary>
/// Finds, for each key, the memory rows most similar to it by cosine similarity: the search behind the sparse reads of
/// <see cref="Sam"/> and <see cref="Sdnc"/>. Implementations see one batch entry at a time and keep no state between
/// calls (the memory changes in a few rows every step).
/// </summary>
public interface INearestNeighbours
{
    /// <summary>
    /// Writes the <paramref name="count"/> rows of <paramref name="memory"/> most similar to each key, most similar first
    /// (ties: lower row first), with their similarities.
    /// </summary>
    /// <param name="memory">The rows, [N, Wd] row-major.</param>
    /// <param name="wordSize">Wd.</param>
    /// <param name="keys">The keys, [H, Wd] row-major.</param>
    /// <param name="count">K, at most N.</param>
    /// <param name="indices">Receives the row indices, [H, K].</param>
    /// <param name="similarities">Receives the cosine similarities, [H, K] (see <see cref="Cosine"/>).</param>
    void Search(ReadOnlySpan<float> memory, int wordSize, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities);
}

/// <summary>The similarity every search ranks by, the same as the dense DNC's content addressing.</summary>
public static class Cosine
{
    /// <summary>
    /// <c>a·b / (sqrt(Σa² + ε)·sqrt(Σb² + ε) + ε)</c> with ε = <see cref="ContentAddressing.Epsilon"/>, as
    /// <see cref="ContentAddressing.Forward"/> computes it.
    /// </summary>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        FromDot(System.Numerics.Tensors.TensorPrimitives.Dot(a, b), Norm(a), Norm(b));

    /// <summary><c>sqrt(Σx² + ε)</c>.</summary>
    public static float Norm(ReadOnlySpan<float> x) =>
        MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(x, x) + ContentAddressing.Epsilon);

    /// <summary>The similarity from a dot product and the two norms.</summary>
    public static float FromDot(float dot, float normA, float normB) => dot / (normA * normB + ContentAddressing.Epsilon);
}
