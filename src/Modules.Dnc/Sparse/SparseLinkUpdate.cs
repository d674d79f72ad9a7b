using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The DNC's link update <c>L[i, j] ← (1 − w_i − w_j)·L[i, j] + w_i·p_j</c> (diagonal 0) and precedence update
/// <c>p ← (1 − Σw)·p + w</c> on the sparse link of <see cref="SparseLinkState"/>: the rows and columns of the written rows
/// (and the precedence's columns) are recomputed and cut back to their K_L largest entries; elsewhere, entries in a written
/// row's column or row only decay. Works on values (no gradient); the link buffers are updated in place.
/// </summary>
internal static class SparseLinkUpdate
{
    public static SparseLinkState Run(SparseLinkState links, int[] writeRows, ReadOnlySpan<float> writeWeights, int batch, int n, int kl)
    {
        int slots = writeRows.Length / batch;
        var forwardIndices = links.ForwardIndices.Data;
        var forwardValues = links.ForwardValues.Data;
        var backwardIndices = links.BackwardIndices.Data;
        var backwardValues = links.BackwardValues.Data;
        var precedenceIndices = new float[batch * kl];
        var precedenceValues = new float[batch * kl];
        for (int b = 0; b < batch; b++)
        {
            var written = new Dictionary<int, float>();
            float total = 0f;
            for (int s = 0; s < slots; s++)
            {
                int row = writeRows[b * slots + s];
                if (row < 0) continue;
                written[row] = writeWeights[b * slots + s];
                total += writeWeights[b * slots + s];
            }
            var precedence = new Dictionary<int, float>();
            for (int e = 0; e < kl; e++)
            {
                int row = (int)links.PrecedenceIndices.Values[b * kl + e];
                if (row >= 0) precedence[row] = links.PrecedenceValues.Values[b * kl + e];
            }
            var forward = new Lists(forwardIndices.Slice(b * n * kl, n * kl), forwardValues.Slice(b * n * kl, n * kl), kl);
            var backward = new Lists(backwardIndices.Slice(b * n * kl, n * kl), backwardValues.Slice(b * n * kl, n * kl), kl);
            var columns = new HashSet<int>(written.Keys);
            columns.UnionWith(precedence.Keys);

            // Entries of rows and columns that are not recomputed decay by (1 − w) of the written row or column they name.
            foreach (var (c, w) in written)
            {
                for (int e = 0; e < kl; e++)
                {
                    int i = backward.Index(c, e);
                    if (i >= 0 && !written.ContainsKey(i)) forward.Scale(i, c, 1f - w);
                    int j = forward.Index(c, e);
                    if (j >= 0 && !columns.Contains(j)) backward.Scale(j, c, 1f - w);
                }
            }

            // Written rows: (1 − w_i − w_j)·L[i, j] + w_i·p_j.
            foreach (var (i, wi) in written)
            {
                var entries = new Dictionary<int, float>();
                for (int e = 0; e < kl; e++)
                {
                    int j = forward.Index(i, e);
                    if (j >= 0) entries[j] = forward.Value(i, e) * (1f - wi - written.GetValueOrDefault(j));
                }
                foreach (var (j, pj) in precedence)
                    if (j != i) entries[j] = entries.GetValueOrDefault(j) + wi * pj;
                forward.Set(i, entries);
            }

            // Columns of the written rows and of the precedence: the same rule seen from column j.
            foreach (int j in columns)
            {
                float wj = written.GetValueOrDefault(j), pj = precedence.GetValueOrDefault(j);
                var entries = new Dictionary<int, float>();
                for (int e = 0; e < kl; e++)
                {
                    int i = backward.Index(j, e);
                    if (i >= 0) entries[i] = backward.Value(j, e) * (1f - wj - written.GetValueOrDefault(i));
                }
                if (pj != 0f)
                    foreach (var (i, wi) in written)
                        if (i != j) entries[i] = entries.GetValueOrDefault(i) + wi * pj;
                backward.Set(j, entries);
            }

            var next = new Dictionary<int, float>();
            foreach (var (row, p) in precedence) next[row] = (1f - total) * p;
            foreach (var (row, w) in written) next[row] = next.GetValueOrDefault(row) + w;
            WriteLargest(next, precedenceIndices.AsSpan(b * kl, kl), precedenceValues.AsSpan(b * kl, kl));
        }
        return links with
        {
            PrecedenceIndices = new Tensor(precedenceIndices, batch, kl),
            PrecedenceValues = new Tensor(precedenceValues, batch, kl),
        };
    }

    /// <summary>The K_L largest positive entries (ties: lower index first) into the list, −1 and 0 after them.</summary>
    internal static void WriteLargest(Dictionary<int, float> entries, Span<float> indices, Span<float> values)
    {
        var sorted = new List<KeyValuePair<int, float>>(entries.Count);
        foreach (var entry in entries)
            if (entry.Value > 0f) sorted.Add(entry);
        sorted.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Key.CompareTo(b.Key));
        for (int e = 0; e < indices.Length; e++)
        {
            indices[e] = e < sorted.Count ? sorted[e].Key : -1f;
            values[e] = e < sorted.Count ? sorted[e].Value : 0f;
        }
    }

    /// <summary>One batch entry's lists: K_L (index, value) entries per owner row or column.</summary>
    private readonly ref struct Lists(Span<float> indices, Span<float> values, int kl)
    {
        private readonly Span<float> indices = indices;
        private readonly Span<float> values = values;

        public int Index(int owner, int e) => (int)indices[owner * kl + e];

        public float Value(int owner, int e) => values[owner * kl + e];

        public void Scale(int owner, int entry, float factor)
        {
            for (int e = 0; e < kl; e++)
                if ((int)indices[owner * kl + e] == entry) values[owner * kl + e] *= factor;
        }

        public void Set(int owner, Dictionary<int, float> entries) =>
            WriteLargest(entries, indices.Slice(owner * kl, kl), values.Slice(owner * kl, kl));
    }
}
