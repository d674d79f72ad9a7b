namespace Modules.Dnc.Sparse;

/// <summary>
/// Finds, for each key, the memory rows most similar to it by cosine similarity: the search behind the sparse reads of
/// <see cref="Sam"/> and <see cref="Sdnc"/>. <see cref="Search"/> is a one-shot search over a memory it has never seen;
/// <see cref="Open"/> builds an <see cref="INearestNeighbourIndex"/> over one memory (one batch entry of one episode)
/// that the memory's owner keeps, tells of the rows each step rewrites, and searches step after step.
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

    /// <summary>
    /// An index over <paramref name="memory"/> ([N, Wd] row-major) as it is now, for its owner to keep beside the memory
    /// and update as rows change (see <see cref="INearestNeighbourIndex"/>).
    /// </summary>
    INearestNeighbourIndex Open(ReadOnlySpan<float> memory, int wordSize);
}

/// <summary>
/// The search over one memory [N, Wd] that persists across steps: the owner passes the same memory to every call and,
/// after rewriting rows in place, names them in <see cref="Update"/> before the next <see cref="Search"/>. A row changed
/// and not named may be found by its old content. Calls on one index must not overlap.
/// </summary>
public interface INearestNeighbourIndex
{
    /// <summary>N, the rows indexed.</summary>
    int Rows { get; }

    /// <summary>Wd, the size of a row.</summary>
    int WordSize { get; }

    /// <summary>Re-indexes <paramref name="rows"/> (entries −1 are skipped; repeats are harmless) from their content in <paramref name="memory"/>, [N, Wd].</summary>
    void Update(ReadOnlySpan<float> memory, ReadOnlySpan<int> rows);

    /// <summary>As <see cref="INearestNeighbours.Search"/>, over the indexed <paramref name="memory"/> [N, Wd], for keys [H, Wd].</summary>
    void Search(ReadOnlySpan<float> memory, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities);
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

/// <summary>The checks every search makes of its arguments, with one wording.</summary>
internal static class NearestNeighbourArguments
{
    /// <summary>Throws naming <paramref name="searcher"/> unless the sizes agree; returns N and H.</summary>
    public static (int Rows, int Heads) Check(string searcher, int memoryLength, int wordSize, int keyLength, int count, int indexLength, int similarityLength)
    {
        if (wordSize < 1 || memoryLength % wordSize != 0 || keyLength % wordSize != 0)
            throw new ArgumentException($"{searcher}: memory ({memoryLength} floats) and keys ({keyLength}) must be whole rows of {wordSize}");
        int rows = memoryLength / wordSize, heads = keyLength / wordSize;
        if (count < 1 || count > rows)
            throw new ArgumentOutOfRangeException(nameof(count), $"{searcher}: K must be in [1, {rows}], got {count}");
        if (indexLength != heads * count || similarityLength != heads * count)
            throw new ArgumentException($"{searcher}: outputs must hold [{heads}, {count}], got {indexLength} and {similarityLength}");
        return (rows, heads);
    }
}
