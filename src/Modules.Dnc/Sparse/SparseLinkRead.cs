using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The directional reads of <see cref="Sdnc"/> on the sparse link: forward <c>f_i = Σ_j L[i, j]·w_j</c> and backward
/// <c>b_i = Σ_j L[j, i]·w_j</c> over last step's read rows j. For each head this picks the K rows where f (and b) are
/// largest and returns the link entries that produce them as matrices gathered from the link's stores, so that
/// f = A_f·w is differentiable in both the link values and the read weights w.
/// </summary>
internal static class SparseLinkRead
{
    /// <summary>
    /// Fills slots K..2K (forward) and 2K..3K (backward) of each head's <paramref name="readRows"/> ([B, R, 3K]) and returns
    /// A_f and A_b, [B, R, K, P], with A[k, p] = L[row_k, j_p] (forward) or L[j_p, row_k] (backward).
    /// </summary>
    public static Tensor[] Candidates(SparseLinkState links, Tensor previousIndices, Tensor previousWeights, int[] readRows, int k,
        RowStore forwardStore, RowStore backwardStore)
    {
        int batch = previousIndices.Dim(0), reads = previousIndices.Dim(1), previousSlots = previousIndices.Dim(2);
        int n = links.ForwardIndices.Dim(1), kl = links.ForwardIndices.Dim(2);
        var previousRows = Array.ConvertAll(previousIndices.ToArray(), v => (int)v);
        var from = new Heads(previousRows, previousWeights.Values.ToArray(), previousSlots, 3 * k, k, n, kl);
        var forwardSelect = new float[batch * reads * k * previousSlots * kl];
        var backwardSelect = new float[batch * reads * k * previousSlots * kl];
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < reads; r++)
            {
                // Forward reads follow column j's entries (rows i written after j); backward reads follow row j's entries.
                Fill(from, b, b * reads + r, links.BackwardIndices.Values, links.BackwardValues.Values, forwardSelect, readRows, k);
                Fill(from, b, b * reads + r, links.ForwardIndices.Values, links.ForwardValues.Values, backwardSelect, readRows, 2 * k);
            }
        var columns = backwardStore.Gather(previousRows, reads * previousSlots).Reshape(batch, reads, 1, previousSlots, kl);
        var rows = forwardStore.Gather(previousRows, reads * previousSlots).Reshape(batch, reads, 1, previousSlots, kl);
        return
        [
            (new Tensor(forwardSelect, batch, reads, k, previousSlots, kl) * columns).Sum(-1),
            (new Tensor(backwardSelect, batch, reads, k, previousSlots, kl) * rows).Sum(-1),
        ];
    }

    private sealed record Heads(int[] Indices, float[] Weights, int PreviousSlots, int SlotsPerHead, int K, int N, int Kl);

    /// <summary>Ranks the rows the lists of last step's rows name by Σ_p w_p·L, keeps K, marks the entries behind each.</summary>
    private static void Fill(Heads from, int b, int head, ReadOnlySpan<float> listIndices, ReadOnlySpan<float> listValues, float[] select,
        int[] rows, int offset)
    {
        int previousSlots = from.PreviousSlots, k = from.K, n = from.N, kl = from.Kl;
        var scores = new Dictionary<int, float>();
        for (int p = 0; p < previousSlots; p++)
        {
            int j = from.Indices[head * previousSlots + p];
            if (j < 0) continue;
            float w = from.Weights[head * previousSlots + p];
            for (int e = 0; e < kl; e++)
            {
                int i = (int)listIndices[(b * n + j) * kl + e];
                if (i >= 0) scores[i] = scores.GetValueOrDefault(i) + w * listValues[(b * n + j) * kl + e];
            }
        }
        var ranked = new List<KeyValuePair<int, float>>(scores);
        ranked.Sort((x, y) => x.Value != y.Value ? y.Value.CompareTo(x.Value) : x.Key.CompareTo(y.Key));
        var chosen = rows.AsSpan(head * from.SlotsPerHead + offset, k);
        for (int c = 0; c < k; c++)
        {
            chosen[c] = c < ranked.Count ? ranked[c].Key : -1;
            if (chosen[c] < 0) continue;
            for (int p = 0; p < previousSlots; p++)
            {
                int j = from.Indices[head * previousSlots + p];
                if (j < 0) continue;
                for (int e = 0; e < kl; e++)
                    if ((int)listIndices[(b * n + j) * kl + e] == chosen[c])
                        select[((head * k + c) * previousSlots + p) * kl + e] = 1f;
            }
        }
    }
}
