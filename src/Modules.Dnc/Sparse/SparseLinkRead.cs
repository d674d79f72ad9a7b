using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The directional reads of <see cref="Sdnc"/> on the sparse link: forward <c>f_i = Σ_j L[i, j]·w_j</c> and backward
/// <c>b_i = Σ_j L[j, i]·w_j</c> over last step's read rows j. For each head this picks the K rows where f (and b) are
/// largest and returns the link entries that produce them as constant matrices, so that f = A_f·w stays differentiable
/// in the read weights w.
/// </summary>
internal static class SparseLinkRead
{
    /// <summary>
    /// Fills slots K..2K (forward) and 2K..3K (backward) of each head's <paramref name="readRows"/> ([B, R, 3K]) and returns
    /// A_f and A_b, [B, R, K, P], with A[k, p] = L[row_k, j_p] (forward) or L[j_p, row_k] (backward).
    /// </summary>
    public static Tensor[] Candidates(SparseLinkState links, Tensor previousIndices, Tensor previousWeights, int[] readRows, int n, int k, int kl)
    {
        int batch = previousIndices.Dim(0), reads = previousIndices.Dim(1), previousSlots = previousIndices.Dim(2);
        var forwardMatrix = new float[batch * reads * k * previousSlots];
        var backwardMatrix = new float[batch * reads * k * previousSlots];
        var from = new Heads(previousIndices.Values.ToArray(), previousWeights.Values.ToArray(), previousSlots, 3 * k, k, n, kl);
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < reads; r++)
            {
                // Forward reads follow column j's entries (rows i written after j); backward reads follow row j's entries.
                Fill(from, b, b * reads + r, links.BackwardIndices.Values, links.BackwardValues.Values, forwardMatrix, readRows, k);
                Fill(from, b, b * reads + r, links.ForwardIndices.Values, links.ForwardValues.Values, backwardMatrix, readRows, 2 * k);
            }
        return [new Tensor(forwardMatrix, batch, reads, k, previousSlots), new Tensor(backwardMatrix, batch, reads, k, previousSlots)];
    }

    private sealed record Heads(float[] Indices, float[] Weights, int PreviousSlots, int SlotsPerHead, int K, int N, int Kl);

    private static void Fill(Heads from, int b, int head, ReadOnlySpan<float> listIndices, ReadOnlySpan<float> listValues, float[] matrix,
        int[] rows, int offset)
    {
        int previousSlots = from.PreviousSlots, k = from.K, n = from.N, kl = from.Kl;
        var scores = new Dictionary<int, float>();
        for (int p = 0; p < previousSlots; p++)
        {
            int j = (int)from.Indices[head * previousSlots + p];
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
                int j = (int)from.Indices[head * previousSlots + p];
                if (j < 0) continue;
                for (int e = 0; e < kl; e++)
                    if ((int)listIndices[(b * n + j) * kl + e] == chosen[c])
                        matrix[(head * k + c) * previousSlots + p] += listValues[(b * n + j) * kl + e];
            }
        }
    }
}
