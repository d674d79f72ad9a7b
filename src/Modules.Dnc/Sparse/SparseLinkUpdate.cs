using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The DNC's link update <c>L[i, j] ← (1 − w_i − w_j)·L[i, j] + w_i·p_j</c> (diagonal 0) and precedence update
/// <c>p ← (1 − Σw)·p + w</c> on the sparse link of <see cref="SparseLinkState"/>. The rows of the written rows, and the
/// columns of the written rows and of the precedence's rows, are recomputed and cut back to their K_L largest entries;
/// other rows and columns only decay, in the entries that name a written row. The choice of entries is made on values;
/// the new values are tensors computed from the old ones, the write weights and the precedence, so gradients flow through
/// the link as in the DNC. Every tensor here is sized by the written rows and K_L, never by N.
/// </summary>
internal static class SparseLinkUpdate
{
    /// <summary>
    /// Updates the link with this step's write weights [B, S] over rows <paramref name="writeRows"/> ([B, S], −1 for an
    /// empty slot); returns the new state and the stores of the forward and backward values (for the reads).
    /// </summary>
    public static (SparseLinkState Links, RowStore Forward, RowStore Backward) Run(SparseLinkState links, int[] writeRows, Tensor writeWeights,
        object token, string path)
    {
        int batch = links.ForwardIndices.Dim(0), n = links.ForwardIndices.Dim(1), kl = links.ForwardIndices.Dim(2), slots = writeWeights.Dim(1);
        var forwardStore = RowStore.Attach(links.ForwardValues, token, path);
        var backwardStore = RowStore.Attach(links.BackwardValues, token, path);
        var fi = links.ForwardIndices.Data;
        var bi = links.BackwardIndices.Data;
        var w = writeWeights.Values.ToArray();
        var fv = links.ForwardValues.Values;
        var bv = links.BackwardValues.Values;
        var pi = links.PrecedenceIndices.Values;
        var pv = links.PrecedenceValues;

        // The owners of each group per batch entry, padded with −1 to the largest count.
        var columnOwners = new List<int>[batch];
        var forwardDecay = new List<int>[batch];
        var backwardDecay = new List<int>[batch];
        for (int b = 0; b < batch; b++)
        {
            var written = WrittenRows(writeRows, b, slots);
            var writtenSet = new HashSet<int>(written);
            var owned = new List<int>();
            foreach (int row in written) if (!owned.Contains(row)) owned.Add(row);
            for (int e = 0; e < kl; e++)
            {
                int row = (int)pi[b * kl + e];
                if (row >= 0 && !owned.Contains(row)) owned.Add(row);
            }
            columnOwners[b] = owned;
            var ownedSet = new HashSet<int>(owned);
            var rowsDecaying = new List<int>();
            var columnsDecaying = new List<int>();
            var seen = new HashSet<long>();
            foreach (int c in written)
                for (int e = 0; e < kl; e++)
                {
                    int i = (int)bi[(b * n + c) * kl + e];
                    if (i >= 0 && !writtenSet.Contains(i) && seen.Add(i)) rowsDecaying.Add(i);
                    int j = (int)fi[(b * n + c) * kl + e];
                    if (j >= 0 && !ownedSet.Contains(j) && seen.Add(-1L - j)) columnsDecaying.Add(j);
                }
            forwardDecay[b] = rowsDecaying;
            backwardDecay[b] = columnsDecaying;
        }
        var columnRows = Pad(columnOwners, out int columnCount);
        var forwardDecayRows = Pad(forwardDecay, out int forwardDecayCount);
        var backwardDecayRows = Pad(backwardDecay, out int backwardDecayCount);

        // Every old value is gathered before anything is written back (the groups of one store have distinct owners).
        var oldRows = forwardStore.Gather(writeRows, slots);                                  // [B, S, K_L]
        var oldColumns = backwardStore.Gather(columnRows, columnCount);                       // [B, C, K_L]
        var oldDecayRows = forwardStore.Gather(forwardDecayRows, forwardDecayCount);
        var oldDecayColumns = backwardStore.Gather(backwardDecayRows, backwardDecayCount);

        // Written rows i: candidates are the old entries (j, L·(1 − w_i − w_j)) and (j, w_i·p_j) for the precedence's rows.
        var newRowIndices = new int[batch * slots * kl];
        var rowFactor = NoSlots(batch * slots * kl);
        var rowMask = new float[batch * slots * kl];
        var rowSelect = NoTargets(batch * slots * 2 * kl);
        // Columns j: the old entries (i, L·(1 − w_i − w_j)) and (i, w_i·p_j) for the written rows.
        var newColumnIndices = new int[batch * columnCount * kl];
        var columnFactor = NoSlots(batch * columnCount * kl);
        var columnPrecedence = new float[batch * columnCount * kl];
        var columnMask = new float[batch * columnCount * slots];
        var columnSelect = NoTargets(batch * columnCount * (kl + slots));
        var decayRowFactor = NoSlots(batch * forwardDecayCount * kl);
        var decayColumnFactor = NoSlots(batch * backwardDecayCount * kl);
        var precedenceSelect = NoTargets(batch * (kl + slots));
        var newPrecedenceIndices = new float[batch * kl];
        for (int b = 0; b < batch; b++)
        {
            // The write slot of each written row (rows are distinct within a batch entry).
            var slotOf = new Dictionary<int, int>();
            for (int s = 0; s < slots; s++)
                if (writeRows[b * slots + s] >= 0) slotOf[writeRows[b * slots + s]] = s;
            float WeightOf(int row) => slotOf.TryGetValue(row, out int s) ? w[b * slots + s] : 0f;
            void MarkSlots(int[] factor, int entry, int row)
            {
                if (row >= 0 && slotOf.TryGetValue(row, out int s)) factor[2 * entry + (factor[2 * entry] < 0 ? 0 : 1)] = s;
            }
            float total = 0f;
            for (int s = 0; s < slots; s++) total += w[b * slots + s];

            for (int s = 0; s < slots; s++)
            {
                int i = writeRows[b * slots + s];
                if (i < 0) continue;
                var candidates = new (int Index, float Value)[2 * kl];
                for (int e = 0; e < kl; e++)
                {
                    int j = (int)fi[(b * n + i) * kl + e];
                    int at = (b * slots + s) * kl + e;
                    rowFactor[2 * at] = s;
                    MarkSlots(rowFactor, at, j);
                    candidates[e] = (j, j < 0 ? 0f : fv[(b * n + i) * kl + e] * (1f - w[b * slots + s] - WeightOf(j)));
                    int p = (int)pi[b * kl + e];
                    bool keep = p >= 0 && p != i;
                    rowMask[(b * slots + s) * kl + e] = keep ? 1f : 0f;
                    candidates[kl + e] = (keep ? p : -1, keep ? w[b * slots + s] * pv.Values[b * kl + e] : 0f);
                }
                Choose(candidates, kl, rowSelect.AsSpan((b * slots + s) * 2 * kl, 2 * kl), newRowIndices.AsSpan((b * slots + s) * kl, kl));
            }

            for (int o = 0; o < columnOwners[b].Count; o++)
            {
                int j = columnOwners[b][o];
                int owner = b * columnCount + o;
                for (int e = 0; e < kl; e++)
                    if ((int)pi[b * kl + e] == j) columnPrecedence[owner * kl + e] = 1f;
                float pj = 0f;
                for (int e = 0; e < kl; e++) pj += columnPrecedence[owner * kl + e] * pv.Values[b * kl + e];
                var candidates = new (int Index, float Value)[kl + slots];
                float wj = WeightOf(j);
                for (int e = 0; e < kl; e++)
                {
                    int i = (int)bi[(b * n + j) * kl + e];
                    int at = owner * kl + e;
                    MarkSlots(columnFactor, at, j);
                    MarkSlots(columnFactor, at, i);
                    candidates[e] = (i, i < 0 ? 0f : bv[(b * n + j) * kl + e] * (1f - wj - WeightOf(i)));
                }
                for (int s = 0; s < slots; s++)
                {
                    int i = writeRows[b * slots + s];
                    bool keep = i >= 0 && i != j;
                    columnMask[owner * slots + s] = keep ? 1f : 0f;
                    candidates[kl + s] = (keep ? i : -1, keep ? w[b * slots + s] * pj : 0f);
                }
                Choose(candidates, kl, columnSelect.AsSpan(owner * (kl + slots), kl + slots), newColumnIndices.AsSpan(owner * kl, kl));
            }

            for (int o = 0; o < forwardDecay[b].Count; o++)
                for (int e = 0; e < kl; e++)
                    MarkSlots(decayRowFactor, ((b * forwardDecayCount) + o) * kl + e, (int)fi[(b * n + forwardDecay[b][o]) * kl + e]);
            for (int o = 0; o < backwardDecay[b].Count; o++)
                for (int e = 0; e < kl; e++)
                    MarkSlots(decayColumnFactor, ((b * backwardDecayCount) + o) * kl + e, (int)bi[(b * n + backwardDecay[b][o]) * kl + e]);

            var precedence = new (int Index, float Value)[kl + slots];
            for (int e = 0; e < kl; e++)
                precedence[e] = ((int)pi[b * kl + e], (1f - total) * pv.Values[b * kl + e]);
            for (int s = 0; s < slots; s++)
                precedence[kl + s] = (writeRows[b * slots + s], w[b * slots + s]);
            var chosen = new int[kl];
            Choose(precedence, kl, precedenceSelect.AsSpan(b * (kl + slots), kl + slots), chosen);
            for (int e = 0; e < kl; e++) newPrecedenceIndices[b * kl + e] = chosen[e];
        }

        // The new values as tensors: each old entry times 1 − the write weights of the rows it joins, the new entries, then
        // the candidates merged into the kept entries.
        var rows = Select(Tensor.Concat(-1,
                oldRows * Factor(rowFactor, writeWeights, batch, slots, kl),
                writeWeights.Unsqueeze(-1) * pv.Unsqueeze(1) * new Tensor(rowMask, batch, slots, kl)),
            rowSelect, kl);
        var precedenceAtColumn = Tensor.MatMul(new Tensor(columnPrecedence, batch, columnCount, kl), pv.Unsqueeze(-1)); // [B, C, 1]
        var columns = Select(Tensor.Concat(-1,
                oldColumns * Factor(columnFactor, writeWeights, batch, columnCount, kl),
                writeWeights.Unsqueeze(1) * precedenceAtColumn * new Tensor(columnMask, batch, columnCount, slots)),
            columnSelect, kl);
        var decayedRows = oldDecayRows * Factor(decayRowFactor, writeWeights, batch, forwardDecayCount, kl);
        var decayedColumns = oldDecayColumns * Factor(decayColumnFactor, writeWeights, batch, backwardDecayCount, kl);
        var remaining = 1f - writeWeights.Sum(-1, keepDim: true);                                                   // [B, 1]
        var newPrecedence = SparseLinkOps.Merge(Tensor.Concat(-1, remaining * pv, writeWeights).Unsqueeze(1), precedenceSelect, kl).Reshape(batch, kl);

        forwardStore.Commit(writeRows, slots, rows);
        forwardStore.Commit(forwardDecayRows, forwardDecayCount, decayedRows);
        backwardStore.Commit(columnRows, columnCount, columns);
        backwardStore.Commit(backwardDecayRows, backwardDecayCount, decayedColumns);
        WriteIndices(fi, writeRows, newRowIndices, batch, slots, n, kl);
        WriteIndices(bi, columnRows, newColumnIndices, batch, columnCount, n, kl);
        var next = links with
        {
            PrecedenceIndices = new Tensor(newPrecedenceIndices, batch, kl),
            PrecedenceValues = newPrecedence,
        };
        return (next, forwardStore, backwardStore);
    }

    private static List<int> WrittenRows(int[] writeRows, int b, int slots)
    {
        var rows = new List<int>();
        for (int s = 0; s < slots; s++)
            if (writeRows[b * slots + s] >= 0) rows.Add(writeRows[b * slots + s]);
        return rows;
    }

    private static int[] Pad(List<int>[] owners, out int count)
    {
        count = Math.Max(1, owners.Max(o => o.Count));
        var padded = new int[owners.Length * count];
        Array.Fill(padded, -1);
        for (int b = 0; b < owners.Length; b++)
            for (int o = 0; o < owners[b].Count; o++) padded[b * count + o] = owners[b][o];
        return padded;
    }

    /// <summary>1 − the write weights each entry names (two slot indices per entry, −1 none): returns [B, O, K_L].</summary>
    private static Tensor Factor(int[] slotPairs, Tensor writeWeights, int batch, int owners, int kl) =>
        SparseLinkOps.Factor(writeWeights, slotPairs, owners * kl).Reshape(batch, owners, kl);

    /// <summary>Candidates [B, O, C] merged into the kept entries by <paramref name="targets"/> (B·O·C entries) → [B, O, K_L].</summary>
    private static Tensor Select(Tensor candidates, int[] targets, int kl) => SparseLinkOps.Merge(candidates, targets, kl);

    private static int[] NoSlots(int entries)
    {
        var slots = new int[2 * entries];
        Array.Fill(slots, -1);
        return slots;
    }

    private static int[] NoTargets(int count)
    {
        var targets = new int[count];
        Array.Fill(targets, -1);
        return targets;
    }

    /// <summary>
    /// Merges candidates with the same index (−1: none), keeps the K_L largest positive sums (ties: lower index first), and
    /// writes each candidate's kept entry (−1 when dropped) and the kept indices (−1 after them).
    /// </summary>
    internal static void Choose((int Index, float Value)[] candidates, int kl, Span<int> select, Span<int> indices)
    {
        var sums = new Dictionary<int, float>();
        foreach (var (index, value) in candidates)
            if (index >= 0) sums[index] = sums.GetValueOrDefault(index) + value;
        var ranked = new List<KeyValuePair<int, float>>();
        foreach (var entry in sums) if (entry.Value > 0f) ranked.Add(entry);
        ranked.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Key.CompareTo(b.Key));
        for (int e = 0; e < kl; e++)
        {
            indices[e] = e < ranked.Count ? ranked[e].Key : -1;
            if (indices[e] < 0) continue;
            for (int c = 0; c < candidates.Length; c++)
                if (candidates[c].Index == indices[e]) select[c] = e;
        }
    }

    private static void WriteIndices(Span<float> target, int[] owners, int[] indices, int batch, int count, int n, int kl)
    {
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < count; o++)
            {
                int owner = owners[b * count + o];
                if (owner < 0) continue;
                for (int e = 0; e < kl; e++) target[(b * n + owner) * kl + e] = indices[(b * count + o) * kl + e];
            }
    }
}
