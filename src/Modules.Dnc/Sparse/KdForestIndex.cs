using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// A <see cref="RandomisedKdForest"/> over one memory [N, Wd]: every tree holds every non-zero row in one leaf; the row
/// norms are kept so that the trees compare direction-normalised coordinates and a candidate's cosine costs one dot
/// product. Rows of zeros (a new memory is all zeros, and stays mostly so for many steps) are kept out of the trees, in a
/// bit set: each has similarity 0 with every key, so the lowest K of them are all a search may need, and an index over a
/// new memory costs one pass over it instead of building trees.
/// </summary>
internal sealed unsafe class KdForestIndex : INearestNeighbourIndex
{
    /// <summary>Memories with at least this many rows search their keys on several threads.</summary>
    private const int ParallelRows = 65_536;

    private readonly RandomisedKdForest options;
    private readonly KdTree[] trees;
    private readonly float[] norms;
    private readonly ulong[] zeroRows;
    private int zeroCount;
    private Query[] queries = [];

    public KdForestIndex(RandomisedKdForest options, ReadOnlySpan<float> memory, int wordSize)
    {
        this.options = options;
        WordSize = wordSize;
        Rows = memory.Length / wordSize;
        norms = new float[Rows];
        zeroRows = new ulong[(Rows + 63) / 64];
        for (int r = 0; r < Rows; r++) Measure(memory, r);
        trees = new KdTree[options.Trees];
        // Each tree draws from its own generator, so building them in parallel gives the same trees.
        fixed (float* pointer = memory)
        {
            nint address = (nint)pointer;
            int length = memory.Length;
            WorkerTeam.For(trees.Length, Rows >= ParallelRows ? Environment.ProcessorCount : 1, t =>
                trees[t] = new KdTree(new ReadOnlySpan<float>((float*)address, length), wordSize, norms, zeroRows, options.LeafSize,
                    new Generator(options.Seed + 0x9E3779B97F4A7C15UL * (ulong)(t + 1))));
        }
    }

    public int Rows { get; }

    public int WordSize { get; }

    public void Update(ReadOnlySpan<float> memory, ReadOnlySpan<int> rows)
    {
        CheckMemory(memory);
        foreach (int row in rows)
        {
            if (row < 0) continue;
            if (row >= Rows) throw new ArgumentOutOfRangeException(nameof(rows), $"{nameof(RandomisedKdForest)}: row {row} is outside the memory's {Rows} rows");
            bool zero = Measure(memory, row);
            foreach (var tree in trees) tree.Reindex(memory, norms, row, zero);
        }
    }

    public void Search(ReadOnlySpan<float> memory, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities)
    {
        CheckMemory(memory);
        var (_, heads) = NearestNeighbourArguments.Check(nameof(RandomisedKdForest), memory.Length, WordSize, keys.Length, count,
            indices.Length, similarities.Length);
        if (queries.Length < heads)
        {
            int old = queries.Length;
            Array.Resize(ref queries, heads);
            for (int h = old; h < heads; h++) queries[h] = new Query(WordSize);
        }
        if (heads == 1 || Rows < ParallelRows)
        {
            for (int h = 0; h < heads; h++) SearchOne(memory, keys.Slice(h * WordSize, WordSize), count, queries[h]);
        }
        else
        {
            // Spans cannot enter the lambda; the pinned pointers stand in for them while the team runs. Each key has its
            // own scratch, so the results do not depend on the threads.
            fixed (float* memoryPointer = memory)
            fixed (float* keyPointer = keys)
            {
                nint memoryAddress = (nint)memoryPointer, keyAddress = (nint)keyPointer;
                int memoryLength = memory.Length, wd = WordSize;
                WorkerTeam.For(heads, Environment.ProcessorCount, h => SearchOne(new ReadOnlySpan<float>((float*)memoryAddress, memoryLength),
                    new ReadOnlySpan<float>((float*)keyAddress + h * wd, wd), count, queries[h]));
            }
        }
        for (int h = 0; h < heads; h++)
            queries[h].Best.WriteSorted(indices.Slice(h * count, count), similarities.Slice(h * count, count));
    }

    /// <summary>
    /// Descends every tree to the key's leaf, queueing the far side of each split by its squared distance from the key,
    /// then takes the nearest queued branch of any tree until <see cref="RandomisedKdForest.Checks"/> rows (and at least K)
    /// have been compared.
    /// </summary>
    private void SearchOne(ReadOnlySpan<float> memory, ReadOnlySpan<float> key, int count, Query query)
    {
        query.Reset(count);
        float keyNorm = Cosine.Norm(key);
        var direction = query.Direction;
        for (int i = 0; i < direction.Length; i++) direction[i] = key[i] / keyNorm;
        int checks = options.Checks;
        for (int t = 0; t < trees.Length; t++) Descend(memory, key, keyNorm, query, t, 0, 0f);
        while (query.Branches.Count > 0 && (query.Checked < checks || query.Best.Count < count))
        {
            var (bound, tree, node) = query.Branches.Pop();
            Descend(memory, key, keyNorm, query, tree, node, bound);
        }
        OfferZeroRows(memory, key, keyNorm, count, query.Best);
    }

    private void Descend(ReadOnlySpan<float> memory, ReadOnlySpan<float> key, float keyNorm, Query query, int t, int node, float bound)
    {
        var tree = trees[t];
        var nodes = tree.Nodes;
        var direction = query.Direction;
        while (nodes[node].Dimension >= 0)
        {
            ref readonly var split = ref nodes[node];
            float difference = direction[split.Dimension] - split.Value;
            query.Branches.Push(bound + difference * difference, t, difference < 0 ? split.Right : split.Left);
            node = difference < 0 ? split.Left : split.Right;
        }
        var members = tree.Members(node);
        int wd = WordSize;
        // The rows lie anywhere in the memory: ask for all of them before using any, so their loads overlap.
        if (Sse.IsSupported)
            fixed (float* start = memory)
                foreach (int row in members) Sse.Prefetch0(start + (nint)row * wd);
        foreach (int row in members)
        {
            if (!query.Visited.Add(row)) continue;
            query.Best.Offer(Similarity(memory.Slice(row * wd, wd), key, keyNorm), row);
            query.Checked++;
        }
    }

    /// <summary>Records the norm of <paramref name="row"/> and whether it is all zeros (returned).</summary>
    private bool Measure(ReadOnlySpan<float> memory, int row)
    {
        float squares = Dot(memory.Slice(row * WordSize, WordSize), memory.Slice(row * WordSize, WordSize));
        norms[row] = MathF.Sqrt(squares + ContentAddressing.Epsilon);
        bool zero = squares == 0f, was = (zeroRows[row >> 6] & (1UL << row)) != 0;
        if (zero == was) return zero;
        zeroRows[row >> 6] ^= 1UL << row;
        zeroCount += zero ? 1 : -1;
        return zero;
    }

    /// <summary>Offers the lowest <paramref name="count"/> rows of zeros (similarity 0, lower rows first on ties).</summary>
    private void OfferZeroRows(ReadOnlySpan<float> memory, ReadOnlySpan<float> key, float keyNorm, int count, TopK best)
    {
        int offered = 0;
        if (zeroCount == 0) return;
        for (int word = 0; word < zeroRows.Length && offered < count; word++)
            for (ulong bits = zeroRows[word]; bits != 0 && offered < count; bits &= bits - 1, offered++)
            {
                int row = word * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits);
                best.Offer(Similarity(memory.Slice(row * WordSize, WordSize), key, keyNorm), row);
            }
    }

    private void CheckMemory(ReadOnlySpan<float> memory)
    {
        if (memory.Length != Rows * WordSize)
            throw new ArgumentException($"{nameof(RandomisedKdForest)}: the index holds [{Rows}, {WordSize}], got a memory of {memory.Length} floats");
    }

    /// <summary>
    /// The cosine of a candidate, its norm summed in the same pass as the dot product (the row is loaded anyway; a stored
    /// norm would be one more scattered load), in the order of <see cref="ExactNearestNeighbours"/>.
    /// </summary>
    private static float Similarity(ReadOnlySpan<float> row, ReadOnlySpan<float> key, float keyNorm)
    {
        int width = Vector256<float>.Count;
        if (!Vector256.IsHardwareAccelerated || row.Length % width != 0) return Cosine.FromDot(Dot(row, key), keyNorm, Cosine.Norm(row));
        ref float x = ref MemoryMarshal.GetReference(row);
        ref float y = ref MemoryMarshal.GetReference(key);
        Vector256<float> dot = Vector256<float>.Zero, squares = Vector256<float>.Zero;
        for (int i = 0; i < row.Length; i += width)
        {
            var v = Vector256.LoadUnsafe(ref x, (nuint)i);
            squares = Vector256.FusedMultiplyAdd(v, v, squares);
            dot = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref y, (nuint)i), dot);
        }
        return Cosine.FromDot(Vector256.Sum(dot), keyNorm, MathF.Sqrt(Vector256.Sum(squares) + ContentAddressing.Epsilon));
    }

    /// <summary>The dot product (and so the norm <c>sqrt(Σx² + ε)</c>) in the order of <see cref="ExactNearestNeighbours"/>'s fused pass (whole 256-bit vectors) or
    /// <see cref="System.Numerics.Tensors.TensorPrimitives.Dot"/> (other word sizes), as the exact search computes it.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int width = Vector256<float>.Count;
        if (!Vector256.IsHardwareAccelerated || a.Length % width != 0) return System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        var sum = Vector256<float>.Zero;
        for (int i = 0; i < a.Length; i += width)
            sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), sum);
        return Vector256.Sum(sum);
    }

    /// <summary>The scratch of one key's search, kept between searches so that a warm search allocates nothing.</summary>
    private sealed class Query(int wordSize)
    {
        public float[] Direction { get; } = new float[wordSize];
        public BranchQueue Branches { get; } = new();
        public RowSet Visited { get; } = new();
        public TopK Best { get; private set; } = new(1);
        public int Checked { get; set; }

        public void Reset(int count)
        {
            if (Best.Capacity != count) Best = new TopK(count);
            Best.Clear();
            Branches.Clear();
            Visited.Clear();
            Checked = 0;
        }
    }

    /// <summary>A min-heap of unexplored branches (lower bound on the squared distance, tree, node).</summary>
    private sealed class BranchQueue
    {
        private float[] bounds = new float[256];
        private long[] nodes = new long[256];

        public int Count { get; private set; }

        public void Clear() => Count = 0;

        public void Push(float bound, int tree, int node)
        {
            if (Count == bounds.Length)
            {
                Array.Resize(ref bounds, 2 * Count);
                Array.Resize(ref nodes, 2 * Count);
            }
            int i = Count++;
            long packed = ((long)tree << 32) | (uint)node;
            while (i > 0)
            {
                int parent = (i - 1) / 2;
                if (bounds[parent] <= bound) break;
                bounds[i] = bounds[parent]; nodes[i] = nodes[parent];
                i = parent;
            }
            bounds[i] = bound; nodes[i] = packed;
        }

        public (float Bound, int Tree, int Node) Pop()
        {
            float bound = bounds[0];
            long top = nodes[0];
            int last = --Count;
            float movedBound = bounds[last];
            long moved = nodes[last];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= last) break;
                if (child + 1 < last && bounds[child + 1] < bounds[child]) child++;
                if (bounds[child] >= movedBound) break;
                bounds[i] = bounds[child]; nodes[i] = nodes[child];
                i = child;
            }
            bounds[i] = movedBound; nodes[i] = moved;
            return (bound, (int)(top >> 32), (int)top);
        }
    }

    /// <summary>The rows compared so far: an open-addressing set whose size follows the checks, not N.</summary>
    private sealed class RowSet
    {
        private int[] slots = NewSlots(1024);
        private int count;

        private static int[] NewSlots(int size)
        {
            var slots = new int[size];
            slots.AsSpan().Fill(-1);
            return slots;
        }

        public void Clear()
        {
            if (count > 0) slots.AsSpan().Fill(-1);
            count = 0;
        }

        /// <summary>Adds <paramref name="row"/>; false when it was already there.</summary>
        public bool Add(int row)
        {
            if (2 * (count + 1) > slots.Length) Grow();
            int mask = slots.Length - 1;
            for (int i = Hash(row) & mask; ; i = (i + 1) & mask)
            {
                if (slots[i] == row) return false;
                if (slots[i] < 0)
                {
                    slots[i] = row;
                    count++;
                    return true;
                }
            }
        }

        private static int Hash(int row) => (int)((uint)row * 0x9E3779B1u >> 7);

        private void Grow()
        {
            var old = slots;
            slots = NewSlots(2 * old.Length);
            int mask = slots.Length - 1;
            foreach (int row in old)
            {
                if (row < 0) continue;
                int i = Hash(row) & mask;
                while (slots[i] >= 0) i = (i + 1) & mask;
                slots[i] = row;
            }
        }
    }
}

/// <summary>
/// One randomised k-d tree over direction-normalised rows (the rows that are not all zeros). Nodes are arrays indexed by node (root 0); a leaf has dimension
/// −1 and a bucket of rows. A re-indexed row moves to the leaf its new content routes to; a leaf grown past twice the
/// leaf size is split on its own rows, so the splits follow what is written.
/// </summary>
internal sealed class KdTree
{
    /// <summary>The rows a split's dimension and value are estimated from (FLANN's sample).</summary>
    private const int SampleSize = 100;

    /// <summary>The highest-variance dimensions a split chooses among.</summary>
    private const int CandidateDimensions = 5;

    private readonly int wordSize, leafSize;
    private readonly Generator random;
    private readonly int[] leafOf;
    private int[][] buckets = [];
    private int[] bucketCounts = [];
    private int[] splitAt = [];
    private int nodeCount;

    public KdTree(ReadOnlySpan<float> memory, int wordSize, float[] norms, ulong[] zeroRows, int leafSize, Generator random)
    {
        this.wordSize = wordSize;
        this.leafSize = leafSize;
        this.random = random;
        leafOf = new int[norms.Length];
        leafOf.AsSpan().Fill(-1);
        var order = new List<int>(norms.Length);
        for (int r = 0; r < norms.Length; r++)
            if ((zeroRows[r >> 6] & (1UL << r)) == 0) order.Add(r);
        EnsureNodes(Math.Max(1, 2 * order.Count / leafSize + 1));
        var orderArray = order.ToArray();
        Build(memory, norms, orderArray, new float[orderArray.Length], 0, orderArray.Length);
    }

    /// <summary>The nodes, root first; one 16-byte entry each, so a step down the tree reads one cache line.</summary>
    public Node[] Nodes { get; private set; } = [];

    /// <summary>The rows of leaf <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> Members(int node) => buckets[node].AsSpan(0, bucketCounts[node]);

    /// <summary>
    /// Moves <paramref name="row"/> to the leaf its content in <paramref name="memory"/> routes to, or out of the tree
    /// when it is all zeros.
    /// </summary>
    public void Reindex(ReadOnlySpan<float> memory, float[] norms, int row, bool zero)
    {
        int old = leafOf[row], node = -1;
        if (!zero)
        {
            var vector = memory.Slice(row * wordSize, wordSize);
            float norm = norms[row];
            var nodes = Nodes;
            node = 0;
            while (nodes[node].Dimension >= 0) node = vector[nodes[node].Dimension] / norm < nodes[node].Value ? nodes[node].Left : nodes[node].Right;
        }
        if (node == old) return;
        if (old >= 0)
        {
            var oldBucket = buckets[old];
            int last = --bucketCounts[old];
            oldBucket[Array.IndexOf(oldBucket, row, 0, last + 1)] = oldBucket[last];
            leafOf[row] = -1;
        }
        if (zero) return;
        Append(node, row);
        if (bucketCounts[node] > Math.Max(2 * leafSize, splitAt[node])) SplitLeaf(memory, norms, node);
    }

    private int Build(ReadOnlySpan<float> memory, float[] norms, int[] order, float[] values, int start, int count)
    {
        int node = nodeCount++;
        EnsureNodes(nodeCount);
        if (count <= leafSize)
        {
            MakeLeaf(node, order.AsSpan(start, count), count);
            return node;
        }
        var (dimension, split, left, _) = ChooseSplit(memory, norms, order.AsSpan(start, count), values);
        int l = Build(memory, norms, order, values, start, left);
        int r = Build(memory, norms, order, values, start + left, count - left);
        Nodes[node] = new Node(dimension, split, l, r);
        return node;
    }

    /// <summary>
    /// Picks one of the <see cref="CandidateDimensions"/> dimensions of highest variance over a sample of
    /// <paramref name="rows"/>, splits at the sample's mean and partitions <paramref name="rows"/> (left first); returns the
    /// split, the size of the left part and whether the split value separates the parts. Rows that all lie on one side
    /// (equal rows, such as a memory of zeros) are halved by position instead, so every split divides.
    /// </summary>
    private (int Dimension, float Split, int Left, bool Separated) ChooseSplit(ReadOnlySpan<float> memory, float[] norms, Span<int> rows, float[] values)
    {
        int count = rows.Length, samples = Math.Min(SampleSize, count);
        Span<double> mean = stackalloc double[wordSize];
        Span<double> square = stackalloc double[wordSize];
        mean.Clear();
        square.Clear();
        for (int s = 0; s < samples; s++)
        {
            int row = samples == count ? rows[s] : rows[random.NextInt(0, count)];
            var vector = memory.Slice(row * wordSize, wordSize);
            for (int d = 0; d < wordSize; d++)
            {
                double x = vector[d] / norms[row];
                mean[d] += x;
                square[d] += x * x;
            }
        }
        Span<int> top = stackalloc int[Math.Min(CandidateDimensions, wordSize)];
        Span<double> topVariance = stackalloc double[top.Length];
        topVariance.Fill(double.NegativeInfinity);
        for (int d = 0; d < wordSize; d++)
        {
            mean[d] /= samples;
            double variance = square[d] / samples - mean[d] * mean[d];
            // Insert into the short list of the highest variances, keeping the earlier dimension on ties.
            for (int i = 0; i < top.Length; i++)
            {
                if (variance <= topVariance[i]) continue;
                for (int j = top.Length - 1; j > i; j--) { top[j] = top[j - 1]; topVariance[j] = topVariance[j - 1]; }
                top[i] = d;
                topVariance[i] = variance;
                break;
            }
        }
        int dimension = top[random.NextInt(0, top.Length)];
        float split = (float)mean[dimension];

        for (int i = 0; i < count; i++) values[i] = memory[rows[i] * wordSize + dimension] / norms[rows[i]];
        int left = 0;
        for (int i = 0; i < count; i++)
        {
            if (values[i] >= split) continue;
            (rows[i], rows[left]) = (rows[left], rows[i]);
            (values[i], values[left]) = (values[left], values[i]);
            left++;
        }
        return left == 0 || left == count ? (dimension, split, count / 2, false) : (dimension, split, left, true);
    }

    /// <summary>Turns leaf <paramref name="node"/> into a split over two new leaves, unless its rows cannot be told apart.</summary>
    private void SplitLeaf(ReadOnlySpan<float> memory, float[] norms, int node)
    {
        int count = bucketCounts[node];
        var rows = buckets[node].AsSpan(0, count);
        var values = new float[count];
        var (dimension, split, left, separated) = ChooseSplit(memory, norms, rows, values);
        // A positional halving (equal rows) would not hold: the next re-index would route them all one way again. Try
        // again when the leaf has doubled.
        if (!separated)
        {
            splitAt[node] = 2 * count;
            return;
        }
        int l = nodeCount++, r = nodeCount++;
        EnsureNodes(nodeCount);
        MakeLeaf(l, rows[..left], 2 * leafSize);
        MakeLeaf(r, rows[left..], 2 * leafSize);
        buckets[node] = [];
        bucketCounts[node] = 0;
        Nodes[node] = new Node(dimension, split, l, r);
    }

    private void MakeLeaf(int node, ReadOnlySpan<int> rows, int capacity)
    {
        var bucket = new int[Math.Max(capacity, rows.Length)];
        rows.CopyTo(bucket);
        buckets[node] = bucket;
        bucketCounts[node] = rows.Length;
        Nodes[node] = new Node(-1, 0f, -1, -1);
        splitAt[node] = 0;
        foreach (int row in rows) leafOf[row] = node;
    }

    private void Append(int node, int row)
    {
        if (bucketCounts[node] == buckets[node].Length) Array.Resize(ref buckets[node], Math.Max(4, 2 * bucketCounts[node]));
        buckets[node][bucketCounts[node]++] = row;
        leafOf[row] = node;
    }

    private void EnsureNodes(int size)
    {
        if (size <= Nodes.Length) return;
        int capacity = Math.Max(size, 2 * Nodes.Length);
        var resized = Nodes;
        Array.Resize(ref resized, capacity);
        Nodes = resized;
        Array.Resize(ref buckets, capacity);
        Array.Resize(ref bucketCounts, capacity);
        Array.Resize(ref splitAt, capacity);
    }

    /// <summary>A split on <paramref name="Dimension"/> at <paramref name="Value"/> (rows below go <paramref name="Left"/>), or a leaf (dimension −1).</summary>
    internal readonly record struct Node(int Dimension, float Value, int Left, int Right);
}
