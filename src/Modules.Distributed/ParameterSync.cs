using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Distributed;

/// <summary>
/// Keeps a model identical across the ranks of an <see cref="IProcessGroup"/> with one flat buffer per operation:
/// <see cref="BroadcastParameters"/> and <see cref="BroadcastOptimizer"/> copy rank 0's parameters and optimizer state to
/// every rank (at the start and after a resume); <see cref="SumGradients"/> packs every parameter's gradient into one
/// buffer, sums it over the ranks with <see cref="IProcessGroup.AllReduceSum"/> and unpacks it, once per step.
/// </summary>
/// <remarks>
/// Every rank must pass its parameters in the same order with the same paths and shapes (the same model built by the
/// same code). This is checked by comparing a digest of the layout across ranks, on the first call and whenever the
/// layout's size changes, and fails with a message naming the first rank that differs.
/// </remarks>
public sealed class ParameterSync
{
    private float[] buffer = [];
    private long checkedLength = -1;

    /// <summary>Creates the helper over <paramref name="group"/>.</summary>
    /// <param name="group">The ranks to keep in step.</param>
    public ParameterSync(IProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        Group = group;
    }

    /// <summary>The process group the collectives run on.</summary>
    public IProcessGroup Group { get; }

    /// <summary>
    /// Replaces every parameter's gradient with its sum over the ranks, in the group's fixed order: one pack, one
    /// <see cref="IProcessGroup.AllReduceSum"/> and one unpack. A parameter without a gradient counts as zeros and gets
    /// one, so every rank ends with the same gradients. Scale each rank's loss so the sum is the global batch's
    /// gradient (e.g. a rank's mean loss times its share of the global batch).
    /// </summary>
    /// <param name="parameters">The model's parameters by path (<c>Module.NamedParameters()</c>), in the same order on every rank.</param>
    public void SumGradients(IReadOnlyList<KeyValuePair<string, Tensor>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int total = TotalSize(parameters);
        if (total != checkedLength) { CheckSameLayout(Layout(parameters), "parameters"); checkedLength = total; }
        if (buffer.Length != total) buffer = new float[total];
        var flat = buffer.AsSpan();
        int offset = 0;
        foreach (var (_, p) in parameters)
        {
            var slice = flat.Slice(offset, p.Size);
            if (p.Grad is { } g) g.Values.CopyTo(slice);
            else slice.Clear();
            offset += p.Size;
        }
        Group.AllReduceSum(flat);
        offset = 0;
        foreach (var (_, p) in parameters)
        {
            var slice = flat.Slice(offset, p.Size);
            if (p.Grad is { } g) slice.CopyTo(g.Data);
            else p.Grad = Tensor.FromArray(slice, p.ShapeArray());
            offset += p.Size;
        }
    }

    /// <summary>Overwrites every rank's parameters with <paramref name="root"/>'s, in one broadcast.</summary>
    /// <param name="parameters">The model's parameters by path, created already (run the model once), in the same order on every rank.</param>
    /// <param name="root">The rank whose values win.</param>
    public void BroadcastParameters(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSameLayout(Layout(parameters), "parameters");
        var flat = new float[TotalSize(parameters)];
        Pack(parameters, flat);
        Group.Broadcast(flat, root);
        int offset = 0;
        foreach (var (_, p) in parameters)
        {
            flat.AsSpan(offset, p.Size).CopyTo(p.Data);
            offset += p.Size;
        }
    }

    /// <summary>
    /// Gives every rank <paramref name="root"/>'s optimizer state (the step counter and every slot, in one broadcast after
    /// the slots' names and shapes), so only the root needs to have read a checkpoint. The optimizers must be of the same
    /// kind (same <see cref="Optimizer.Name"/>); other ranks' state is replaced through <see cref="Optimizer.LoadSlots"/>.
    /// </summary>
    /// <param name="optimizer">This rank's optimizer.</param>
    /// <param name="root">The rank whose state wins.</param>
    public void BroadcastOptimizer(Optimizer optimizer, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var slots = optimizer.Slots.ToList();
        // The root's layout text is sent as bytes; the other ranks build empty slots from it and receive the values.
        byte[] layout = Group.Rank == root ? Encoding.UTF8.GetBytes(optimizer.Name + "\n" + Layout(slots)) : [];
        layout = BroadcastBytes(layout, root);
        var lines = Encoding.UTF8.GetString(layout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines[0] != optimizer.Name)
            throw new InvalidOperationException($"rank {Group.Rank}: optimizer '{optimizer.Name}' cannot take the state of rank {root}'s '{lines[0]}'");
        if (Group.Rank != root) slots = lines.Skip(1).Select(ParseEntry).ToList();
        var flat = new float[TotalSize(slots)];
        if (Group.Rank == root) Pack(slots, flat);
        Group.Broadcast(flat, root);
        if (Group.Rank == root) return;
        int offset = 0;
        foreach (var (_, t) in slots)
        {
            flat.AsSpan(offset, t.Size).CopyTo(t.Data);
            offset += t.Size;
        }
        optimizer.LoadSlots(slots);
    }

    // One line per tensor: "path\tdim,dim,…".
    private static string Layout(IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        var text = new StringBuilder();
        foreach (var (path, t) in tensors) text.Append(path).Append('\t').AppendJoin(',', t.ShapeArray()).Append('\n');
        return text.ToString();
    }

    private static KeyValuePair<string, Tensor> ParseEntry(string line)
    {
        int tab = line.IndexOf('\t');
        string dims = line[(tab + 1)..];
        int[] shape = dims.Length == 0 ? [] : dims.Split(',').Select(int.Parse).ToArray();
        return new(line[..tab], Tensor.Zeros(shape));
    }

    // Fails on every rank, naming the first rank whose layout differs from rank 0's.
    private void CheckSameLayout(string layout, string what)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(layout));
        var all = new byte[digest.Length * Group.Size];
        Group.AllGather(digest, all);
        for (int r = 1; r < Group.Size; r++)
            if (!all.AsSpan(r * digest.Length, digest.Length).SequenceEqual(all.AsSpan(0, digest.Length)))
                throw new InvalidOperationException(
                    $"rank {Group.Rank}: rank {r}'s {what} differ from rank 0's (paths or shapes); every rank must build the same model");
    }

    // Broadcast of a byte string of any length over AllGather: first the lengths, then blocks of the root's length.
    private byte[] BroadcastBytes(byte[] mine, int root)
    {
        var lengths = new byte[4 * Group.Size];
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, mine.Length);
        Group.AllGather(length, lengths);
        int n = BinaryPrimitives.ReadInt32LittleEndian(lengths.AsSpan(4 * root));
        var block = new byte[n];
        if (Group.Rank == root) mine.CopyTo(block, 0);
        var all = new byte[n * Group.Size];
        Group.AllGather(block, all);
        return all.AsSpan(n * root, n).ToArray();
    }

    private static int TotalSize(IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        long total = 0;
        foreach (var (_, t) in tensors) total += t.Size;
        return checked((int)total);
    }

    private static void Pack(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, Span<float> flat)
    {
        int offset = 0;
        foreach (var (_, t) in tensors)
        {
            t.Values.CopyTo(flat.Slice(offset, t.Size));
            offset += t.Size;
        }
    }
}
