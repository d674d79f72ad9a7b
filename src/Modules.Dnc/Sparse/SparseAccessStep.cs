using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// One step of the sparse access (Rae et al. 2016), in this order: write weights over the rows read last step and the least
/// recently used row; erase and add on those rows only; (SDNC) the sparse link and precedence; reads from the K nearest rows
/// of each key (and, for SDNC, K rows along each link direction); usage. The choices of rows (search, LRU, link top-K) are
/// not differentiable; the weights over the chosen rows and the rows' contents are. The write averages the read weights
/// over the heads, erases with the DNC's sigmoid erase vector, and usage tests each weight against δ on its own: these
/// conventions differ from the paper, for the reasons given in the remarks of <see cref="SamOptions"/>.
/// </summary>
internal static class SparseAccessStep
{
    public static (Tensor ReadWords, SparseAccessState State, SparseLinkState? Links) Run(
        SparseMemoryAccess access, SparseInterfaceValues raw, SparseAccessState previous, SparseLinkState? previousLinks)
    {
        int batch = raw.ReadKeys.Dim(0), n = access.MemorySize, wd = access.WordSize, reads = access.NumReads, k = access.SparseReads;
        int slotsPerHead = access.ReadSlots, previousSlots = reads * slotsPerHead, writeSlots = access.WriteSlots;
        var store = RowStore.Attach(previous.Memory, previous.ReadWeights, access.Path);
        float time = previous.Steps.Values[0] + 1f;

        // 1. Write weights w^w = α(γ·mean_R(w^r_{t−1}) + (1 − γ)·I^U) over S slots: the distinct rows read last step, then
        //    the least recently used row. A constant [P, S] matrix maps the previous read slots onto the write slots.
        var previousIndices = previous.ReadIndices.Values;
        var writeRows = new int[batch * writeSlots];
        var mapping = new float[batch * previousSlots * writeSlots];
        var leastRecent = new float[batch * writeSlots];
        for (int b = 0; b < batch; b++)
        {
            var rows = writeRows.AsSpan(b * writeSlots, writeSlots);
            rows.Fill(-1);
            int used = 0;
            for (int p = 0; p < previousSlots; p++)
            {
                int row = (int)previousIndices[b * previousSlots + p];
                if (row < 0) continue;
                int slot = SlotOf(rows, ref used, row);
                mapping[(b * previousSlots + p) * writeSlots + slot] += 1f / reads;
            }
            int lru = store.LeastRecentlyUsed(previous.LastAccess, b);
            leastRecent[b * writeSlots + SlotOf(rows, ref used, lru)] = 1f;
        }
        var alpha = Tensor.Sigmoid(raw.WriteGate).Reshape(batch, 1);
        var gamma = Tensor.Sigmoid(raw.InterpolationGate).Reshape(batch, 1);
        var fromReads = Tensor.MatMul(previous.ReadWeights.Reshape(batch, 1, previousSlots), new Tensor(mapping, batch, previousSlots, writeSlots))
            .Reshape(batch, writeSlots);
        var writeWeights = alpha * (gamma * fromReads + (1f - gamma) * new Tensor(leastRecent, batch, writeSlots));    // [B, S]

        // 2. Erase and add on the written rows only: M[s] ← M[s] ⊙ (1 − w_s·e) + w_s·a.
        var old = store.Gather(writeRows, writeSlots);                                                                 // [B, S, Wd]
        var weight = writeWeights.Unsqueeze(-1);
        var erase = Tensor.Sigmoid(raw.EraseVector).Unsqueeze(1);                                                      // [B, 1, Wd]
        var written = old * (1f - weight * erase) + weight * raw.WriteVector.Unsqueeze(1);
        store.Commit(writeRows, writeSlots, written);

        // 3. (SDNC) sparse link and precedence from this step's write weights.
        SparseLinkState? links = null;
        RowStore? forwardLinks = null, backwardLinks = null;
        if (previousLinks is { } previousLink)
        {
            SparseLinkState updated;
            (updated, forwardLinks, backwardLinks) = SparseLinkUpdate.Run(previousLink, writeRows, writeWeights, previous.ReadWeights, access.Path);
            links = updated;
        }

        // 4. Content reads: the K nearest rows of each key, softmax of β·cosine over those K only.
        var keys = raw.ReadKeys;
        var readRows = new int[batch * reads * slotsPerHead];
        var found = new int[batch * reads * k];
        var similarities = new float[batch * reads * k];
        // Each batch entry has its own index and its own part of the outputs, so the entries may be searched on any
        // threads with the same results. Work per entry: at most the exact search's N·R·Wd multiply-adds.
        BatchParallel.For(batch, (long)n * reads * wd, (store, access, keys, reads, wd, k, found, similarities), static (state, b) =>
        {
            var (store, access, keys, reads, wd, k, found, similarities) = state;
            store.Search(access.Index, b, keys.Values.Slice(b * reads * wd, reads * wd), k,
            found.AsSpan(b * reads * k, reads * k), similarities.AsSpan(b * reads * k, reads * k));
        });
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < reads; r++)
                found.AsSpan((b * reads + r) * k, k).CopyTo(readRows.AsSpan((b * reads + r) * slotsPerHead, k));
        Tensor[]? directional = null;
        if (links is { } link)
            directional = SparseLinkRead.Candidates(link, previous.ReadIndices, previous.ReadWeights, readRows, k, forwardLinks!, backwardLinks!);

        var gathered = store.Gather(readRows, reads * slotsPerHead).Reshape(batch, reads, slotsPerHead, wd);
        var contentRows = links is null ? gathered : gathered.Slice(2, 0, k);                                          // [B, R, K, Wd]
        var dots = (contentRows * keys.Unsqueeze(2)).Sum(-1);                                                          // [B, R, K]
        var rowNorms = Tensor.Sqrt(Tensor.Square(contentRows).Sum(-1) + ContentAddressing.Epsilon);
        var keyNorms = Tensor.Sqrt(Tensor.Square(keys).Sum(-1, keepDim: true) + ContentAddressing.Epsilon);                // [B, R, 1]
        var similarity = dots / (rowNorms * keyNorms + ContentAddressing.Epsilon);
        var content = Tensor.Softmax(similarity * Tensor.Softplus(raw.ReadStrengths).Unsqueeze(-1), -1);               // [B, R, K]

        Tensor readWeights = content;
        if (directional is not null)
        {
            // π_content·c ‖ π_fwd·f ‖ π_bwd·b over the content, forward and backward slots; f and b are the link applied to
            // last step's read weights, on the K rows where they are largest.
            var mode = Tensor.Softmax(raw.ReadMode!, -1);                                                              // [B, R, 3]
            var previousWeights = previous.ReadWeights.Unsqueeze(-1);                                                  // [B, R, P, 1]
            var forward = Tensor.MatMul(directional[0], previousWeights).Reshape(batch, reads, k);
            var backward = Tensor.MatMul(directional[1], previousWeights).Reshape(batch, reads, k);
            readWeights = Tensor.Concat(-1, mode.Slice(-1, 2, 1) * content, mode.Slice(-1, 1, 1) * forward, mode.Slice(-1, 0, 1) * backward);
        }
        var readWords = Tensor.MatMul(readWeights.Unsqueeze(2), gathered).Reshape(batch, reads, wd);                  // [B, R, Wd]

        // 5. Usage: rows read or written with a single weight above δ were used at this step (weights are not summed per row).
        store.MarkUsed(previous.LastAccess, writeRows, writeWeights.Values, writeSlots, access.UsageThreshold, time);
        store.MarkUsed(previous.LastAccess, readRows, readWeights.Values, reads * slotsPerHead, access.UsageThreshold, time);

        var readIndices = new Tensor(Array.ConvertAll(readRows, r => (float)r), batch, reads, slotsPerHead);
        var state = new SparseAccessState(previous.Memory, readIndices, readWeights,
            new Tensor(Array.ConvertAll(writeRows, r => (float)r), batch, writeSlots), writeWeights, previous.LastAccess,
            Tensor.Full([batch], time));
        store.Advance(readWeights);
        forwardLinks?.Advance(readWeights);
        backwardLinks?.Advance(readWeights);

        if (access.Trace is { } trace)
            trace(new MemoryTrace(Dense(writeRows, writeWeights.Values, batch, 1, writeSlots, n),
                Dense(readRows, readWeights.Values, batch, reads, slotsPerHead, n), TimeSinceUse(previous.LastAccess.Values, batch, n, time)));
        return (readWords, state, links);
    }

    /// <summary>The slot of <paramref name="row"/> among the first <paramref name="used"/> slots, added when absent.</summary>
    private static int SlotOf(Span<int> slots, ref int used, int row)
    {
        for (int s = 0; s < used; s++)
            if (slots[s] == row) return s;
        slots[used] = row;
        return used++;
    }

    /// <summary>Scatters sparse weights ([B, H, P] over rows) into a dense [B, H, N], adding duplicates.</summary>
    private static Tensor Dense(int[] rows, ReadOnlySpan<float> weights, int batch, int heads, int perHead, int n)
    {
        var dense = Tensor.Zeros(batch, heads, n);
        var data = dense.Data;
        for (int bh = 0; bh < batch * heads; bh++)
            for (int p = 0; p < perHead; p++)
            {
                int row = rows[bh * perHead + p];
                if (row >= 0) data[bh * n + row] += weights[bh * perHead + p];
            }
        return dense;
    }

    private static Tensor TimeSinceUse(ReadOnlySpan<float> lastAccess, int batch, int n, float time)
    {
        var usage = Tensor.Zeros(batch, n);
        var data = usage.Data;
        for (int i = 0; i < batch * n; i++) data[i] = time - lastAccess[i];
        return usage;
    }
}
