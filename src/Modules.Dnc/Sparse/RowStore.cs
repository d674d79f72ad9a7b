using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Modules.Tensors;

namespace Modules.Dnc.Sparse;

/// <summary>
/// The memory of a sparse core: a plain [B, N, Wd] buffer that each step updates in place (a step changes a few rows, so
/// copying all N would cost what sparsity saves), with a record of which step's differentiable tensor last wrote each
/// row. A read gathers rows into a small tensor whose backward pass sends each row's gradient to the tensor that wrote
/// it (or nowhere, for rows never written since the memory was created or detached), so the autograd graph holds only
/// [B, K, Wd]-sized tensors and the backward pass visits only the rows that were read.
/// </summary>
/// <remarks>
/// Gradients kept: everything that flows through the rows a step reads or rewrites, back through the writes that
/// produced them, across any number of steps. Not kept: a gradient into the initial memory (it is a constant).
/// A store is found again from the memory tensor of a state; the token (the state's read weights, new every step)
/// tells whether the state is the newest one, since an older state's memory has been overwritten. A detached copy of a
/// state holds new tensors over the same buffers: its memory finds the store of those buffers, which then starts a new
/// record of writers (the detach cuts the gradient) but keeps its nearest-neighbour indexes and least-recently-used
/// trees, since they describe the buffers' content, which the detach does not change.
/// </remarks>
internal sealed class RowStore
{
    private static readonly ConditionalWeakTable<Tensor, RowStore> Stores = new();
    // The stores alive, to find the store of a new tensor over a known memory's buffer (Detach); guarded by Gate.
    private static readonly List<WeakReference<RowStore>> Live = [];
    private static readonly Lock Gate = new();

    private readonly Dictionary<long, (Tensor Writer, int Offset)> origins = new();
    private readonly int batch, rows, width;
    // One nearest-neighbour index per batch entry, opened on the first search and told of every committed row after it.
    private readonly INearestNeighbourIndex?[] indexes;
    // One least-recently-used tree per batch entry over the usage tensor below, built on first use and told of every
    // row MarkUsed changes; rebuilt when a step brings a usage over other storage.
    private readonly LeastRecentlyUsedTree?[] usageTrees;
    private Tensor? usage;
    private object token;

    private RowStore(Tensor buffer, object token)
    {
        Buffer = buffer;
        batch = buffer.Dim(0);
        rows = buffer.Dim(1);
        width = buffer.Dim(2);
        this.token = token;
        indexes = new INearestNeighbourIndex?[batch];
        usageTrees = new LeastRecentlyUsedTree?[batch];
    }

    /// <summary>The memory, [B, N, Wd], updated in place.</summary>
    public Tensor Buffer { get; }

    /// <summary>
    /// The store of <paramref name="buffer"/>, created on its first use. Throws when <paramref name="stateToken"/> is not
    /// the newest state's: stepping twice from one state would see the memory the first step already changed.
    /// </summary>
    public static RowStore Attach(Tensor buffer, object stateToken, string path)
    {
        lock (Gate)
        {
            if (Stores.TryGetValue(buffer, out var store))
            {
                if (!ReferenceEquals(store.token, stateToken))
                    throw new InvalidOperationException(
                        $"{path}: this state's memory has already been advanced by a later step (sparse cores update memory in place, " +
                        "so each state can be stepped from once; start again from InitialState)");
                return store;
            }
            store = OverSameBuffer(buffer);
            if (store is null)
            {
                store = new RowStore(buffer, stateToken);
                Live.Add(new WeakReference<RowStore>(store));
            }
            else
            {
                // A detached copy: what it reads carries no gradient to the writes before the detach.
                store.origins.Clear();
                store.token = stateToken;
            }
            Stores.Add(buffer, store);
            return store;
        }
    }

    /// <summary>The live store whose memory is <paramref name="buffer"/>'s elements (same first element, same shape), dropping dead ones.</summary>
    private static RowStore? OverSameBuffer(Tensor buffer)
    {
        RowStore? found = null;
        for (int i = Live.Count - 1; i >= 0; i--)
        {
            if (!Live[i].TryGetTarget(out var store))
            {
                Live[i] = Live[^1];
                Live.RemoveAt(Live.Count - 1);
                continue;
            }
            if (found is null && SameElements(store.Buffer, buffer)) found = store;
        }
        return found;
    }

    /// <summary>Whether two tensors are views of the same elements (the same first element and shape).</summary>
    private static bool SameElements(Tensor a, Tensor b) =>
        a.Shape.SequenceEqual(b.Shape) && Unsafe.AreSame(ref MemoryMarshal.GetReference(a.Values), ref MemoryMarshal.GetReference(b.Values));

    /// <summary>Marks the state whose token is <paramref name="stateToken"/> as the newest.</summary>
    public void Advance(object stateToken) => token = stateToken;

    /// <summary>
    /// Copies rows <paramref name="indices"/> ([B, M], −1 for "no row", which reads as zeros) into a new [B, M, Wd]
    /// tensor whose gradient flows to the steps that wrote those rows.
    /// </summary>
    public Tensor Gather(int[] indices, int count)
    {
        var values = new float[batch * count * width];
        var memory = Buffer.Values;
        var writers = new List<Tensor>();
        var writerIds = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var sources = new int[batch * count];
        var offsets = new int[batch * count];
        for (int b = 0; b < batch; b++)
            for (int m = 0; m < count; m++)
            {
                int slot = b * count + m, row = indices[slot];
                sources[slot] = -1;
                if (row < 0) continue;
                memory.Slice((b * rows + row) * width, width).CopyTo(values.AsSpan(slot * width, width));
                if (!origins.TryGetValue((long)b * rows + row, out var origin)) continue;
                if (!writerIds.TryGetValue(origin.Writer, out int id))
                {
                    id = writers.Count;
                    writerIds.Add(origin.Writer, id);
                    writers.Add(origin.Writer);
                }
                sources[slot] = id;
                offsets[slot] = origin.Offset;
            }

        var gathered = new Tensor(values, batch, count, width);
        if (writers.Count == 0 || !Tensor.IsGradEnabled) return gathered;
        var inputs = writers.ToArray();
        int w = width;
        return Tensor.Custom("SparseGather", gathered, inputs, g =>
        {
            var grads = new Tensor?[inputs.Length];
            var gv = g.Values;
            for (int slot = 0; slot < sources.Length; slot++)
            {
                int id = sources[slot];
                if (id < 0 || !inputs[id].RequiresGrad) continue;
                if (grads[id] is null)
                {
                    grads[id] = Tensor.Zeros(inputs[id].ShapeArray());
                    SparseGradientStatistics.FloatsAllocated += inputs[id].Size;
                }
                var target = grads[id]!.Data.Slice(offsets[slot], w);
                System.Numerics.Tensors.TensorPrimitives.Add(target, gv.Slice(slot * w, w), target);
                SparseGradientStatistics.RowsVisited++;
            }
            return grads;
        });
    }

    /// <summary>
    /// Writes <paramref name="values"/> ([B, M, Wd]) into rows <paramref name="indices"/> ([B, M], −1 skipped, no row
    /// twice in one batch entry) and records <paramref name="values"/> as their writer when it carries a gradient.
    /// </summary>
    public void Commit(int[] indices, int count, Tensor values)
    {
        var source = values.Values;
        var memory = Buffer.Data;
        bool tracked = values.RequiresGrad;
        for (int b = 0; b < batch; b++)
            for (int m = 0; m < count; m++)
            {
                int slot = b * count + m, row = indices[slot];
                if (row < 0) continue;
                source.Slice(slot * width, width).CopyTo(memory.Slice((b * rows + row) * width, width));
                long key = (long)b * rows + row;
                if (tracked) origins[key] = (values, slot * width);
                else origins.Remove(key);
            }
        for (int b = 0; b < batch; b++)
            indexes[b]?.Update(Buffer.Values.Slice(b * rows * width, rows * width), indices.AsSpan(b * count, count));
    }

    /// <summary>
    /// The <paramref name="count"/> rows of batch entry <paramref name="entry"/> nearest each key [H, Wd], through that
    /// entry's index (opened with <paramref name="search"/> on first use, kept up to date by <see cref="Commit"/>).
    /// </summary>
    public void Search(INearestNeighbours search, int entry, ReadOnlySpan<float> keys, int count, Span<int> found, Span<float> similarities)
    {
        var memory = Buffer.Values.Slice(entry * rows * width, rows * width);
        var index = indexes[entry] ??= search.Open(memory, width);
        index.Search(memory, keys, count, found, similarities);
    }

    /// <summary>
    /// The least recently used row of batch entry <paramref name="entry"/> of <paramref name="lastAccess"/> ([B, N]): the
    /// smallest last access, the lowest row on ties, in O(1) from a tree kept up to date by <see cref="MarkUsed"/>.
    /// </summary>
    public int LeastRecentlyUsed(Tensor lastAccess, int entry)
    {
        Follow(lastAccess);
        var values = lastAccess.Values.Slice(entry * rows, rows);
        return (usageTrees[entry] ??= new LeastRecentlyUsedTree(values)).Least(values);
    }

    /// <summary>
    /// Sets <paramref name="lastAccess"/> ([B, N]) to <paramref name="time"/> at every row of <paramref name="indices"/>
    /// ([B, M], −1 skipped) whose weight in <paramref name="weights"/> ([B, M]) exceeds <paramref name="threshold"/>, and
    /// re-ranks those rows in the least-recently-used trees.
    /// </summary>
    public void MarkUsed(Tensor lastAccess, int[] indices, ReadOnlySpan<float> weights, int count, float threshold, float time)
    {
        Follow(lastAccess);
        var data = lastAccess.Data;
        for (int b = 0; b < batch; b++)
        {
            var tree = usageTrees[b];    // none yet: built from the values when first asked for
            var entry = data.Slice(b * rows, rows);
            for (int m = 0; m < count; m++)
            {
                int slot = b * count + m, row = indices[slot];
                if (row < 0 || !(weights[slot] > threshold)) continue;
                entry[row] = time;
                tree?.Update(entry, row);
            }
        }
    }

    /// <summary>Drops the trees when <paramref name="lastAccess"/> is not over the storage they were built on (a usage from elsewhere composed into a state with this memory).</summary>
    private void Follow(Tensor lastAccess)
    {
        if (usage is not null && !SameElements(usage, lastAccess)) Array.Clear(usageTrees);
        usage = lastAccess;
    }
}
