using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The DNC's link update <c>L[i, j] ← (1 − w_i − w_j)·L[i, j] + w_i·p_j</c> (diagonal 0) and precedence update
/// <c>p ← (1 − Σw)·p + w</c> on the sparse link of <see cref="SparseLinkState"/>. The link is one set of entries with at most
/// K_L per row and K_L per column, held twice (by row and by column); an entry is in both stores or in neither, so the
/// column list of a written row names every row list that holds it, and every entry that names a written row is found and
/// decays. The entries a step affects are those of the written rows' rows and columns, the precedence rows' columns and
/// the new entries w_i·p_j; they are ranked by their new values and kept, largest first, while their row and column have
/// room (only the written rows and the precedence's columns gain entries, so only they can be full). The choice of entries
/// is made on values; the new values are tensors computed from the old ones, the write weights and the precedence, so
/// gradients flow through the link as in the DNC. Every tensor here is sized by the rows touched and K_L, never by N.
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
        var w = writeWeights.Values.ToArray();
        var pv = links.PrecedenceValues;
        var plans = new Plan[batch];
        for (int b = 0; b < batch; b++) plans[b] = new Plan(links, writeRows, w, b, slots);
        var rowOwners = Pad(plans, p => p.Rows, out int rowCount);
        var columnOwners = Pad(plans, p => p.Columns, out int columnCount);

        // Row lists x: candidates are the old entries (j, L·(1 − w_x − w_j)) and, for written x, (j, w_x·p_j) over the
        // precedence's rows. Column lists y: the old entries (i, L·(1 − w_i − w_y)) and (i, w_i·p_y) over the written rows.
        var rowFactor = NoSlots(batch * rowCount * kl);
        var rowSlot = new float[batch * rowCount * slots];
        var rowMask = new float[batch * rowCount * kl];
        var rowSelect = NoTargets(batch * rowCount * 2 * kl);
        var newRowIndices = new int[batch * rowCount * kl];
        var columnFactor = NoSlots(batch * columnCount * kl);
        var columnPrecedence = new float[batch * columnCount * kl];
        var columnMask = new float[batch * columnCount * slots];
        var columnSelect = NoTargets(batch * columnCount * (kl + slots));
        var newColumnIndices = new int[batch * columnCount * kl];
        var precedenceSelect = NoTargets(batch * (kl + slots));
        var newPrecedenceIndices = new float[batch * kl];
        for (int b = 0; b < batch; b++)
        {
            var plan = plans[b];
            for (int o = 0; o < plan.Rows.Count; o++)
            {
                int at = b * rowCount + o;
                int x = plan.Rows[o], slot = plan.SlotOf(x);
                if (slot >= 0) rowSlot[at * slots + slot] = 1f;
                var candidates = new int[2 * kl];
                for (int e = 0; e < kl; e++)
                {
                    int j = plan.ForwardIndex(x, e);
                    candidates[e] = j;
                    rowFactor[2 * (at * kl + e)] = slot;
                    rowFactor[2 * (at * kl + e) + 1] = j < 0 ? -1 : plan.SlotOf(j);
                    int p = plan.PrecedenceRow(e);
                    bool fresh = slot >= 0 && p >= 0 && p != x;
                    rowMask[at * kl + e] = fresh ? 1f : 0f;
                    candidates[kl + e] = fresh ? p : -1;
                }
                plan.Place(x, candidates, byRow: true, rowSelect.AsSpan(at * 2 * kl, 2 * kl), newRowIndices.AsSpan(at * kl, kl));
            }
            for (int o = 0; o < plan.Columns.Count; o++)
            {
                int at = b * columnCount + o;
                int y = plan.Columns[o], slot = plan.SlotOf(y);
                bool preceding = false;
                for (int e = 0; e < kl; e++)
                    if (plan.PrecedenceRow(e) == y)
                    {
                        columnPrecedence[at * kl + e] = 1f;
                        preceding = true;
                    }
                var candidates = new int[kl + slots];
                for (int e = 0; e < kl; e++)
                {
                    int i = plan.BackwardIndex(y, e);
                    candidates[e] = i;
                    columnFactor[2 * (at * kl + e)] = i < 0 ? -1 : plan.SlotOf(i);
                    columnFactor[2 * (at * kl + e) + 1] = slot;
                }
                for (int s = 0; s < slots; s++)
                {
                    int i = writeRows[b * slots + s];
                    bool fresh = preceding && i >= 0 && i != y;
                    columnMask[at * slots + s] = fresh ? 1f : 0f;
                    candidates[kl + s] = fresh ? i : -1;
                }
                plan.Place(y, candidates, byRow: false, columnSelect.AsSpan(at * (kl + slots), kl + slots), newColumnIndices.AsSpan(at * kl, kl));
            }

            float total = 0f;
            for (int s = 0; s < slots; s++) total += w[b * slots + s];
            var precedence = new (int Index, float Value)[kl + slots];
            for (int e = 0; e < kl; e++)
                precedence[e] = (plan.PrecedenceRow(e), (1f - total) * pv.Values[b * kl + e]);
            for (int s = 0; s < slots; s++)
                precedence[kl + s] = (writeRows[b * slots + s], w[b * slots + s]);
            var chosen = new int[kl];
            Choose(precedence, kl, precedenceSelect.AsSpan(b * (kl + slots), kl + slots), chosen);
            for (int e = 0; e < kl; e++) newPrecedenceIndices[b * kl + e] = chosen[e];
        }

        // The new values as tensors: each old entry times 1 − the write weights of the rows it joins, the new entries, then
        // the candidates merged into the kept entries (every old value is gathered before anything is written back).
        var oldRows = forwardStore.Gather(rowOwners, rowCount);                                                      // [B, O_r, K_L]
        var oldColumns = backwardStore.Gather(columnOwners, columnCount);                                            // [B, O_c, K_L]
        var rowWeight = Tensor.MatMul(new Tensor(rowSlot, batch, rowCount, slots), writeWeights.Unsqueeze(-1));      // [B, O_r, 1]
        var rows = SparseLinkOps.Merge(Tensor.Concat(-1,
                oldRows * Factor(rowFactor, writeWeights, batch, rowCount, kl),
                rowWeight * pv.Unsqueeze(1) * new Tensor(rowMask, batch, rowCount, kl)),
            rowSelect, kl);
        var precedenceAtColumn = Tensor.MatMul(new Tensor(columnPrecedence, batch, columnCount, kl), pv.Unsqueeze(-1)); // [B, O_c, 1]
        var columns = SparseLinkOps.Merge(Tensor.Concat(-1,
                oldColumns * Factor(columnFactor, writeWeights, batch, columnCount, kl),
                writeWeights.Unsqueeze(1) * precedenceAtColumn * new Tensor(columnMask, batch, columnCount, slots)),
            columnSelect, kl);
        var remaining = 1f - writeWeights.Sum(-1, keepDim: true);                                                   // [B, 1]
        var newPrecedence = SparseLinkOps.Merge(Tensor.Concat(-1, remaining * pv, writeWeights).Unsqueeze(1), precedenceSelect, kl).Reshape(batch, kl);

        forwardStore.Commit(rowOwners, rowCount, rows);
        backwardStore.Commit(columnOwners, columnCount, columns);
        WriteIndices(links.ForwardIndices.Data, rowOwners, newRowIndices, batch, rowCount, n, kl);
        WriteIndices(links.BackwardIndices.Data, columnOwners, newColumnIndices, batch, columnCount, n, kl);
        var next = links with
        {
            PrecedenceIndices = new Tensor(newPrecedenceIndices, batch, kl),
            PrecedenceValues = newPrecedence,
        };
        return (next, forwardStore, backwardStore);
    }

    /// <summary>
    /// One batch entry's decision: every entry the step affects with its new value, which of them are kept, and the row and
    /// column lists that change. Reads the old lists only (they are rewritten after every plan is made).
    /// </summary>
    private sealed class Plan
    {
        private readonly SparseLinkState links;
        private readonly int offset, kl, b, n;
        private readonly Dictionary<int, int> slotOf = new();
        // The affected entries (row, column, new value, kept), found again by row·N + column.
        private readonly List<(int Row, int Column, float Value)> entries = new();
        private readonly Dictionary<long, int> entryOf = new();
        private bool[] kept = [];

        public Plan(SparseLinkState links, int[] writeRows, float[] w, int b, int slots)
        {
            this.links = links;
            this.b = b;
            n = links.ForwardIndices.Dim(1);
            kl = links.ForwardIndices.Dim(2);
            offset = b * n * kl;
            var precedence = links.PrecedenceValues.Values.Slice(b * kl, kl);
            var forwardValues = links.ForwardValues.Values;
            var backwardValues = links.BackwardValues.Values;
            for (int s = 0; s < slots; s++)
                if (writeRows[b * slots + s] >= 0) slotOf[writeRows[b * slots + s]] = s;
            float WeightOf(int row) => slotOf.TryGetValue(row, out int s) ? w[b * slots + s] : 0f;

            // The affected old entries, from the row and column lists of the written rows and the columns of the
            // precedence's rows (each entry is in both stores, so these reach every entry that names a written row).
            void Old(int row, int column, float value)
            {
                if (row < 0 || column < 0 || !entryOf.TryAdd((long)row * n + column, entries.Count)) return;
                entries.Add((row, column, value * (1f - WeightOf(row) - WeightOf(column))));
            }
            foreach (int c in slotOf.Keys)
                for (int e = 0; e < kl; e++)
                {
                    Old(c, ForwardIndex(c, e), forwardValues[offset + c * kl + e]);
                    Old(BackwardIndex(c, e), c, backwardValues[offset + c * kl + e]);
                }
            for (int e = 0; e < kl; e++)
            {
                int p = PrecedenceRow(e);
                if (p < 0) continue;
                for (int f = 0; f < kl; f++) Old(BackwardIndex(p, f), p, backwardValues[offset + p * kl + f]);
            }
            // The new entries w_i·p_j, added to the old value of the same entry.
            foreach (var (c, s) in slotOf)
                for (int e = 0; e < kl; e++)
                {
                    int p = PrecedenceRow(e);
                    if (p < 0 || p == c) continue;
                    float value = w[b * slots + s] * precedence[e];
                    if (entryOf.TryGetValue((long)c * n + p, out int at)) entries[at] = (c, p, entries[at].Value + value);
                    else
                    {
                        entryOf.Add((long)c * n + p, entries.Count);
                        entries.Add((c, p, value));
                    }
                }

            // Largest first (ties: lower row, then lower column), while the entry's row and column have room.
            var order = new int[entries.Count];
            for (int e = 0; e < order.Length; e++) order[e] = e;
            Array.Sort(order, (x, y) =>
            {
                var (a, c) = (entries[x], entries[y]);
                return a.Value != c.Value ? c.Value.CompareTo(a.Value) : a.Row != c.Row ? a.Row.CompareTo(c.Row) : a.Column.CompareTo(c.Column);
            });
            kept = new bool[entries.Count];
            var rowCount = new Dictionary<int, int>();
            var columnCount = new Dictionary<int, int>();
            var rows = new HashSet<int>();
            var columns = new HashSet<int>();
            foreach (int e in order)
            {
                var (row, column, value) = entries[e];
                if (rows.Add(row)) Rows.Add(row);
                if (columns.Add(column)) Columns.Add(column);
                if (value <= 0f || rowCount.GetValueOrDefault(row) >= kl || columnCount.GetValueOrDefault(column) >= kl) continue;
                kept[e] = true;
                rowCount[row] = rowCount.GetValueOrDefault(row) + 1;
                columnCount[column] = columnCount.GetValueOrDefault(column) + 1;
            }
        }

        /// <summary>The rows whose row lists change.</summary>
        public List<int> Rows { get; } = new();

        /// <summary>The columns whose column lists change.</summary>
        public List<int> Columns { get; } = new();

        public int SlotOf(int row) => slotOf.TryGetValue(row, out int s) ? s : -1;

        public int PrecedenceRow(int e) => (int)links.PrecedenceIndices.Values[b * kl + e];

        public int ForwardIndex(int row, int e) => (int)links.ForwardIndices.Values[offset + row * kl + e];

        public int BackwardIndex(int column, int e) => (int)links.BackwardIndices.Values[offset + column * kl + e];

        /// <summary>
        /// The new list of <paramref name="owner"/> (a row, or a column when not <paramref name="byRow"/>) from its
        /// candidates (the other ends of its K_L old entries, then of its new ones; −1 none): an old entry the step does
        /// not affect stays, an affected one stays when kept. Writes each candidate's entry (−1 when dropped) and the list's
        /// indices, largest value first (−1 after them).
        /// </summary>
        public void Place(int owner, int[] candidates, bool byRow, Span<int> select, Span<int> indices)
        {
            // The list, kept sorted as it is built: largest value first, ties to the lower index.
            Span<int> others = stackalloc int[candidates.Length];
            Span<float> values = stackalloc float[candidates.Length];
            int count = 0;
            var old = (byRow ? links.ForwardValues : links.BackwardValues).Values;
            for (int c = 0; c < candidates.Length; c++)
            {
                int other = candidates[c];
                if (other < 0 || others[..count].Contains(other)) continue;
                float value;
                if (entryOf.TryGetValue(byRow ? (long)owner * n + other : (long)other * n + owner, out int at))
                {
                    if (!kept[at]) continue;
                    value = entries[at].Value;
                }
                else value = old[offset + owner * kl + c];
                int place = count;
                while (place > 0 && (values[place - 1] < value || (values[place - 1] == value && others[place - 1] > other))) place--;
                others[place..count].CopyTo(others[(place + 1)..]);
                values[place..count].CopyTo(values[(place + 1)..]);
                others[place] = other;
                values[place] = value;
                count++;
            }
            // More than K_L entries means the stores disagreed on the old link (a state this update did not make).
            if (count > kl)
                throw new InvalidOperationException($"sparse link: {(byRow ? "row" : "column")} {owner} would hold {count} entries, expected at most {kl}");
            for (int e = 0; e < kl; e++) indices[e] = e < count ? others[e] : -1;
            for (int c = 0; c < candidates.Length; c++)
                if (candidates[c] >= 0) select[c] = others[..count].IndexOf(candidates[c]);
        }
    }

    /// <summary>The owners each plan lists, [B, count] padded with −1 to the largest count (at least 1).</summary>
    private static int[] Pad(Plan[] plans, Func<Plan, List<int>> owners, out int count)
    {
        count = Math.Max(1, plans.Max(p => owners(p).Count));
        var padded = new int[plans.Length * count];
        Array.Fill(padded, -1);
        for (int b = 0; b < plans.Length; b++)
            for (int o = 0; o < owners(plans[b]).Count; o++) padded[b * count + o] = owners(plans[b])[o];
        return padded;
    }

    /// <summary>1 − the write weights each entry names (two slot indices per entry, −1 none): returns [B, O, K_L].</summary>
    private static Tensor Factor(int[] slotPairs, Tensor writeWeights, int batch, int owners, int kl) =>
        SparseLinkOps.Factor(writeWeights, slotPairs, owners * kl).Reshape(batch, owners, kl);

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
