using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The exact search: every row's norm and dot product with every key in one vectorised pass over the row,
/// kept in a bounded heap of the K best per key (O(N·H·Wd + N·H·log K), no sort of all N). Above
/// <see cref="ParallelRows"/> rows the rows are split between the threads of <see cref="WorkerTeam"/> and their heaps merged.
/// </summary>
/// <remarks>
/// It keeps nothing between calls, so <see cref="Open"/> gives an index whose updates cost nothing and whose every search
/// reads all N rows. The approximate alternative is <see cref="RandomisedKdForest"/>.
/// </remarks>
public sealed unsafe class ExactNearestNeighbours : INearestNeighbours
{
    /// <summary>The shared instance (the search keeps no state).</summary>
    public static ExactNearestNeighbours Instance { get; } = new();

    /// <summary>Memories with at least this many rows are searched by several threads.</summary>
    public const int ParallelRows = 32_768;

    /// <inheritdoc/>
    public void Search(ReadOnlySpan<float> memory, int wordSize, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities)
    {
        var (rows, heads) = NearestNeighbourArguments.Check(nameof(ExactNearestNeighbours), memory.Length, wordSize, keys.Length, count,
            indices.Length, similarities.Length);

        var keyNorms = new float[heads];
        for (int h = 0; h < heads; h++) keyNorms[h] = Cosine.Norm(keys.Slice(h * wordSize, wordSize));

        int chunks = rows >= ParallelRows ? Math.Min(Environment.ProcessorCount, rows / (ParallelRows / 2)) : 1;
        var heaps = new TopK[chunks * heads];
        if (chunks == 1)
        {
            for (int h = 0; h < heads; h++) heaps[h] = new TopK(count);
            Scan(memory, wordSize, keys, keyNorms, 0, rows, heaps.AsSpan(0, heads));
        }
        else
        {
            // Spans cannot enter the lambda; the pinned pointers stand in for them while the team runs. The chunks and their
            // merge order depend only on the size, so the result is the same when a busy team leaves them all to this thread.
            fixed (float* memoryPointer = memory)
            fixed (float* keyPointer = keys)
            {
                nint memoryAddress = (nint)memoryPointer, keyAddress = (nint)keyPointer;
                int memoryLength = memory.Length, keyLength = keys.Length;
                WorkerTeam.For(chunks, chunks, c =>
                {
                    for (int h = 0; h < heads; h++) heaps[c * heads + h] = new TopK(count);
                    int start = (int)((long)rows * c / chunks), end = (int)((long)rows * (c + 1) / chunks);
                    Scan(new ReadOnlySpan<float>((float*)memoryAddress, memoryLength), wordSize,
                        new ReadOnlySpan<float>((float*)keyAddress, keyLength), keyNorms, start, end, heaps.AsSpan(c * heads, heads));
                });
            }
            for (int c = 1; c < chunks; c++)
                for (int h = 0; h < heads; h++) heaps[h].Merge(heaps[c * heads + h]);
        }
        for (int h = 0; h < heads; h++)
            heaps[h].WriteSorted(indices.Slice(h * count, count), similarities.Slice(h * count, count));
    }

    /// <inheritdoc/>
    public INearestNeighbourIndex Open(ReadOnlySpan<float> memory, int wordSize)
    {
        if (wordSize < 1 || memory.Length % wordSize != 0)
            throw new ArgumentException($"{nameof(ExactNearestNeighbours)}: memory ({memory.Length} floats) must be whole rows of {wordSize}");
        return new BoundSearch(memory.Length / wordSize, wordSize);
    }

    /// <summary>The exact search bound to one memory's size: nothing to update.</summary>
    private sealed class BoundSearch(int rows, int wordSize) : INearestNeighbourIndex
    {
        public int Rows => rows;

        public int WordSize => wordSize;

        public void Update(ReadOnlySpan<float> memory, ReadOnlySpan<int> changed) => Bound(memory);

        public void Search(ReadOnlySpan<float> memory, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities) =>
            Instance.Search(Bound(memory), wordSize, keys, count, indices, similarities);

        private ReadOnlySpan<float> Bound(ReadOnlySpan<float> memory) => memory.Length == rows * wordSize ? memory
            : throw new ArgumentException($"{nameof(ExactNearestNeighbours)}: the index holds [{rows}, {wordSize}], got a memory of {memory.Length} floats");
    }

    private static void Scan(ReadOnlySpan<float> memory, int wordSize, ReadOnlySpan<float> keys, float[] keyNorms, int start, int end, Span<TopK> heaps)
    {
        if (Vector256.IsHardwareAccelerated && wordSize % Vector256<float>.Count == 0 && heaps.Length <= MaxFusedHeads)
        {
            ScanFused(memory, wordSize, keys, keyNorms, start, end, heaps);
            return;
        }
        for (int n = start; n < end; n++)
        {
            var row = memory.Slice(n * wordSize, wordSize);
            float rowNorm = Cosine.Norm(row);
            for (int h = 0; h < heaps.Length; h++)
            {
                float similarity = Cosine.FromDot(TensorPrimitives.Dot(row, keys.Slice(h * wordSize, wordSize)), keyNorms[h], rowNorm);
                heaps[h].Offer(similarity, n);
            }
        }
    }

    private const int MaxFusedHeads = 16;

    /// <summary>
    /// One pass over each row for its squared norm and its dot product with every key (the row is loaded once), for words
    /// that are whole 256-bit vectors.
    /// </summary>
    private static void ScanFused(ReadOnlySpan<float> memory, int wordSize, ReadOnlySpan<float> keys, float[] keyNorms, int start, int end, Span<TopK> heaps)
    {
        int heads = heaps.Length, width = Vector256<float>.Count;
        Span<Vector256<float>> dots = stackalloc Vector256<float>[MaxFusedHeads];
        ref float memoryStart = ref MemoryMarshal.GetReference(memory);
        ref float keyStart = ref MemoryMarshal.GetReference(keys);
        for (int n = start; n < end; n++)
        {
            ref float row = ref Unsafe.Add(ref memoryStart, (nint)n * wordSize);
            var squares = Vector256<float>.Zero;
            dots[..heads].Clear();
            for (int i = 0; i < wordSize; i += width)
            {
                var v = Vector256.LoadUnsafe(ref row, (nuint)i);
                squares = Vector256.FusedMultiplyAdd(v, v, squares);
                for (int h = 0; h < heads; h++)
                    dots[h] = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref keyStart, (nuint)(h * wordSize + i)), dots[h]);
            }
            float rowNorm = MathF.Sqrt(Vector256.Sum(squares) + ContentAddressing.Epsilon);
            for (int h = 0; h < heads; h++)
                heaps[h].Offer(Cosine.FromDot(Vector256.Sum(dots[h]), keyNorms[h], rowNorm), n);
        }
    }
}
