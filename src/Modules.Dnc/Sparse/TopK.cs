namespace Modules.Dnc.Sparse;

/// <summary>
/// A min-heap of the K best (similarity, row) pairs seen, shared by the searches; "better" is higher similarity, then
/// lower row, so every search breaks ties the same way.
/// </summary>
internal sealed class TopK(int capacity)
{
    private readonly float[] values = new float[capacity];
    private readonly int[] rows = new int[capacity];
    private int size;

    private static bool Better(float va, int ra, float vb, int rb) => va > vb || (va == vb && ra < rb);

    /// <summary>Empties the heap for another query.</summary>
    public void Clear() => size = 0;

    public void Offer(float value, int row)
    {
        if (size == capacity && value < values[0]) return; // the common case at large N: worse than the worst kept
        if (size < capacity)
        {
            int i = size++;
            values[i] = value; rows[i] = row;
            while (i > 0)
            {
                int parent = (i - 1) / 2;
                if (!Better(values[parent], rows[parent], values[i], rows[i])) break;
                Swap(i, parent);
                i = parent;
            }
        }
        else if (Better(value, row, values[0], rows[0]))
        {
            values[0] = value; rows[0] = row;
            int i = 0;
            while (true)
            {
                int l = 2 * i + 1, r = l + 1, worst = i;
                if (l < size && Better(values[worst], rows[worst], values[l], rows[l])) worst = l;
                if (r < size && Better(values[worst], rows[worst], values[r], rows[r])) worst = r;
                if (worst == i) break;
                Swap(i, worst);
                i = worst;
            }
        }
    }

    public void Merge(TopK other)
    {
        for (int i = 0; i < other.size; i++) Offer(other.values[i], other.rows[i]);
    }

    /// <summary>K, the pairs it keeps.</summary>
    public int Capacity => capacity;

    /// <summary>The pairs kept so far.</summary>
    public int Count => size;

    /// <summary>Writes the pairs kept, best first.</summary>
    public void WriteSorted(Span<int> indices, Span<float> similarities)
    {
        Span<int> order = size <= 64 ? stackalloc int[size] : new int[size];
        for (int i = 0; i < size; i++) order[i] = i;
        // Insertion sort: K is small.
        for (int i = 1; i < size; i++)
        {
            int current = order[i], j = i - 1;
            while (j >= 0 && Better(values[current], rows[current], values[order[j]], rows[order[j]])) { order[j + 1] = order[j]; j--; }
            order[j + 1] = current;
        }
        for (int i = 0; i < size; i++) { indices[i] = rows[order[i]]; similarities[i] = values[order[i]]; }
    }

    private void Swap(int a, int b)
    {
        (values[a], values[b]) = (values[b], values[a]);
        (rows[a], rows[b]) = (rows[b], rows[a]);
    }
}
