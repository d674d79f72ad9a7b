namespace Modules.Dnc.Sparse;

/// <summary>
/// Approximate nearest-neighbour search by a forest of randomised k-d trees (Silpa-Anan and Hartley 2008, as in FLANN,
/// the index of the SAM paper): each tree splits the rows, direction-normalised so that nearest by Euclidean distance is
/// nearest by cosine, on a dimension drawn from those of highest variance; a search descends every tree and then visits
/// the most promising unvisited branches of all trees until it has compared the key with <see cref="Checks"/> rows, and
/// ranks those by their exact cosine similarity.
/// </summary>
/// <remarks>
/// A k-d forest rather than HNSW because the sparse cores rewrite rows every step and open a new index for every batch
/// entry of every episode: re-indexing a row is a descent of each tree (O(T·log N) comparisons, a leaf split now and then)
/// where HNSW has no delete and re-links a moved node at the cost of an insertion (hundreds of distance evaluations) while
/// its old in-links go stale; building is O(T·N·log N) comparisons (about a second at N = 1M) where HNSW needs tens of
/// seconds; and it keeps T + 1 ints and floats per row where HNSW keeps 2M links. HNSW finds more of the true neighbours
/// for the same number of comparisons on unstructured data; the forest trades that for cheap updates. Every choice is
/// drawn from a generator seeded by <see cref="Seed"/>, so the same memory and the same updates give the same index.
/// </remarks>
public sealed class RandomisedKdForest : INearestNeighbours
{
    /// <summary>Creates the search.</summary>
    /// <param name="trees">T, the trees; more find more of the true neighbours for the same checks, at T ints per row.</param>
    /// <param name="leafSize">The rows a leaf holds when built; a leaf that grows past twice this is split.</param>
    /// <param name="checks">The rows a search compares each key with (at least, K more when fewer have been found).</param>
    /// <param name="seed">Seeds the random choices of split dimensions and samples.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public RandomisedKdForest(int trees = 4, int leafSize = 16, int checks = 1024, ulong seed = 1)
    {
        if (trees < 1) throw new ArgumentOutOfRangeException(nameof(trees), $"{nameof(RandomisedKdForest)}: trees must be at least 1, got {trees}");
        if (leafSize < 1) throw new ArgumentOutOfRangeException(nameof(leafSize), $"{nameof(RandomisedKdForest)}: leafSize must be at least 1, got {leafSize}");
        if (checks < 1) throw new ArgumentOutOfRangeException(nameof(checks), $"{nameof(RandomisedKdForest)}: checks must be at least 1, got {checks}");
        Trees = trees;
        LeafSize = leafSize;
        Checks = checks;
        Seed = seed;
    }

    /// <summary>T, the trees.</summary>
    public int Trees { get; }

    /// <summary>The rows of a leaf when built.</summary>
    public int LeafSize { get; }

    /// <summary>The rows each key is compared with.</summary>
    public int Checks { get; }

    /// <summary>The seed of the random choices.</summary>
    public ulong Seed { get; }

    /// <summary>Builds a forest over <paramref name="memory"/> and searches it: O(T·N·log N) for one search, so a memory
    /// that is searched again should be <see cref="Open"/>ed once and updated.</summary>
    /// <inheritdoc/>
    public void Search(ReadOnlySpan<float> memory, int wordSize, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities)
    {
        NearestNeighbourArguments.Check(nameof(RandomisedKdForest), memory.Length, wordSize, keys.Length, count, indices.Length, similarities.Length);
        Open(memory, wordSize).Search(memory, keys, count, indices, similarities);
    }

    /// <inheritdoc/>
    public INearestNeighbourIndex Open(ReadOnlySpan<float> memory, int wordSize)
    {
        if (wordSize < 1 || memory.Length % wordSize != 0 || memory.Length == 0)
            throw new ArgumentException($"{nameof(RandomisedKdForest)}: memory ({memory.Length} floats) must be one or more whole rows of {wordSize}");
        return new KdForestIndex(this, memory, wordSize);
    }

    /// <summary>The configuration, e.g. <c>RandomisedKdForest(trees: 4, leafSize: 16, checks: 1024, seed: 1)</c>.</summary>
    public override string ToString() => $"{nameof(RandomisedKdForest)}(trees: {Trees}, leafSize: {LeafSize}, checks: {Checks}, seed: {Seed})";
}
