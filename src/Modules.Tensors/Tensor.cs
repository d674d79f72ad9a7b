using System.Runtime.CompilerServices;
using System.Text;

namespace Modules.Tensors;

/// <summary>
/// A dense float32 tensor in contiguous row-major storage, with optional reverse-mode gradient tracking.
/// </summary>
/// <remarks>
/// Tensors are values: every op returns a new tensor and leaves its inputs untouched (reshape and
/// <see cref="Detach"/> share storage, since nothing mutates it). When any input of an op
/// <see cref="RequiresGrad"/> and no <see cref="NoGrad"/> scope is active, the result records how to
/// propagate its gradient, and <see cref="Backward()"/> walks that record in reverse.
/// </remarks>
public sealed partial class Tensor
{
    private float[] storage;
    private int offset;
    private int[] shape;

    // Fields are few on purpose: a training step makes about a thousand tensors, and each field costs that many times
    // over. What only some tensors need lives in objects of their own (the lease, the gradient record).

    /// <summary>The scope of a <see cref="TensorArena"/> that lent this tensor its storage, or null for storage of its own.</summary>
    private ArenaLease? lease;

    /// <summary>The op that computed this tensor (a <see cref="GradNode"/>) or a leaf's gradient state; null for a leaf that never took part in a gradient computation.</summary>
    private GradRecord? record;

    /// <summary>How this tensor was computed, when it takes part in a gradient computation.</summary>
    internal GradNode? Node => record is { IsNode: true } node ? Unsafe.As<GradNode>(node) : null;

    internal Tensor(float[] storage, int offset, int[] shape)
    {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        Size = ShapeUtil.SizeOf(shape);
        if (offset + Size > storage.Length)
            throw new ArgumentException($"storage of {storage.Length} elements cannot hold shape {ShapeUtil.Format(shape)} at offset {offset}");
    }

    /// <summary>A tensor on storage lent by <paramref name="lender"/>'s open scope.</summary>
    private Tensor(float[] storage, int[] shape, ArenaLease lender) : this(storage, 0, shape) => lease = lender;

    /// <summary>
    /// Makes this tensor (one the backward arena made, whose pass has ended) a fresh one on <paramref name="newStorage"/>:
    /// a tensor object of the backward pass is reused like its buffer, as nothing outside the pass holds either.
    /// </summary>
    internal void Reset(float[] newStorage, int[] newShape)
    {
        storage = newStorage;
        offset = 0;
        shape = newShape;
        Size = ShapeUtil.SizeOf(newShape);
        lease = null;
        record = null;
    }

    /// <summary>A view of <paramref name="source"/>'s storage (same lender, so the view is released with it).</summary>
    internal Tensor(Tensor source, int offset, int[] shape) : this(source.storage, offset, shape) => lease = source.lease;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The data's length is not the product of the shape.</exception>
    public Tensor(float[] data, params int[] shape) : this(data, 0, ValidateShape(shape))
    {
        if (data.Length != Size)
            throw new ArgumentException($"Tensor: {data.Length} values cannot fill shape {ShapeUtil.Format(shape)} ({Size} elements)");
    }

    private static int[] ValidateShape(ReadOnlySpan<int> shape)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"Tensor: negative dimension in shape {ShapeUtil.Format(shape)}");
        return ShapeUtil.Shared(shape);
    }

    /// <summary>The dimensions, outermost first. A scalar has rank 0.</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>The dimensions as a new array (for callers that need to keep or edit them).</summary>
    public int[] ShapeArray() => shape.AsSpan().ToArray();

    /// <summary>The number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>The number of elements.</summary>
    public int Size { get; private set; }

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => shape[ShapeUtil.NormalizeAxis(axis, shape.Length, "Dim")];

    /// <summary>The elements in row-major order. Writable so that optimizers and loaders can update leaves in place.</summary>
    /// <exception cref="ObjectDisposedException">The tensor was created in a <see cref="TensorArena"/> scope that has ended.</exception>
    public Span<float> Data => Live.AsSpan(offset, Size);

    /// <summary>The elements in row-major order, read-only.</summary>
    /// <exception cref="ObjectDisposedException">The tensor was created in a <see cref="TensorArena"/> scope that has ended.</exception>
    public ReadOnlySpan<float> Values => Live.AsSpan(offset, Size);

    /// <summary>The storage, after checking that it was not lent by an arena scope that has ended.</summary>
    private float[] Live
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (lease is { Ended: true }) ThrowReleased();
            return storage;
        }
    }

    /// <summary>Whether this tensor was created in a <see cref="TensorArena"/> scope that has ended (its elements are then unreadable).</summary>
    public bool IsReleased => lease is { Ended: true };

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowReleased() => throw new ObjectDisposedException(null,
        $"Tensor{ShapeUtil.Format(shape)} was created in a TensorArena scope that has ended and its storage now holds other values; " +
        "copy what you keep with Clone() inside the scope");

    /// <summary>Moves arena-lent storage into an array of this tensor's own (for tensors that outlive the scope: parameters, gradients).</summary>
    private void OwnStorage()
    {
        if (lease is null) return;
        storage = Live.AsSpan(offset, Size).ToArray();
        offset = 0;
        lease = null;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Item: tensor of shape {ShapeUtil.Format(shape)} has {Size} elements, not 1");
        return Live[offset];
    }

    /// <summary>The element at the given multi-index.</summary>
    public float At(params int[] index) => Live[offset + ShapeUtil.FlatIndex(shape, index)];

    /// <summary>The elements copied into a new array.</summary>
    public float[] ToArray() => Values.ToArray();

    /// <summary>Whether gradients with respect to this tensor are computed by <see cref="Backward()"/>.</summary>
    public bool RequiresGrad => record is { RequiresGrad: true };

    /// <summary>
    /// The accumulated gradient after <see cref="Backward()"/>, with this tensor's shape; null before.
    /// Kept for leaves (tensors not computed by an op); intermediate gradients are released. A tensor set here inside a
    /// <see cref="TensorArena"/> scope is moved to storage of its own first, so it outlives the scope.
    /// </summary>
    public Tensor? Grad
    {
        get => record?.Grad;
        set
        {
            if (value is null && record is null) return;
            value?.OwnStorage();   // a gradient outlives the step's arena scope
            var r = record ??= new LeafGrad { RequiresGrad = false };
            r.Grad = value;
            r.OwnsGrad = false;
            if (r is LeafGrad leaf) leaf.Spare = null;
        }
    }

    /// <summary>
    /// Sets <see cref="Grad"/> to null like <c>Grad = null</c>, but keeps the buffer of a gradient this tensor computed
    /// itself, so the next backward pass writes into it instead of allocating a new one (a training loop then allocates
    /// no parameter gradients after its first step). A tensor read from <see cref="Grad"/> before this call must not be
    /// used afterwards: the next backward pass overwrites it. Optimizers clear gradients this way.
    /// </summary>
    public void ClearGrad()
    {
        if (record is not { } r) return;
        if (r is LeafGrad leaf) leaf.Spare = r.OwnsGrad ? r.Grad : null;
        r.Grad = null;
        r.OwnsGrad = false;
    }

    /// <summary>Takes the buffer kept by <see cref="ClearGrad"/>, if any (leaves only).</summary>
    private Tensor? TakeSpareGrad()
    {
        if (record is not LeafGrad leaf) return null;
        var spare = leaf.Spare;
        leaf.Spare = null;
        return spare;
    }

    /// <summary>Whether this tensor was created directly (not computed by a tracked op).</summary>
    public bool IsLeaf => record is not { IsNode: true };

    /// <summary>
    /// Marks this leaf as a parameter whose gradient <see cref="Backward()"/> computes. Returns this tensor. A tensor made
    /// inside a <see cref="TensorArena"/> scope is moved to storage of its own first, so a parameter outlives the scope.
    /// </summary>
    public Tensor RequireGrad(bool requires = true)
    {
        if (!IsLeaf) throw new InvalidOperationException("RequireGrad: only leaf tensors can be marked; use Detach() first");
        if (requires) OwnStorage();   // a parameter made from op results inside an arena scope outlives the scope
        if (record is { } r) r.RequiresGrad = requires;
        else if (requires) record = new LeafGrad();
        return this;
    }

    /// <summary>A tensor sharing this one's storage that takes no part in gradient computation (a stop-gradient).</summary>
    public Tensor Detach() => new(this, offset, shape);

    /// <summary>A copy with its own storage, detached from any gradient computation.</summary>
    public Tensor Clone() => new(ToArray(), 0, shape);

    /// <summary>Overwrites this tensor's elements with <paramref name="source"/>'s (same shape required).</summary>
    public void CopyFrom(Tensor source)
    {
        ShapeUtil.RequireSame("CopyFrom", shape, source.shape);
        source.Values.CopyTo(Data);
    }

    internal float[] Storage => Live;
    internal int Offset => offset;
    internal int[] ShapeRef => shape;

    /// <summary>Attaches a backward function to a freshly computed result, if gradients are being tracked.</summary>
    internal Tensor WithGrad(string op, Tensor[] inputs, Action<Tensor> backward)
    {
        if (Tracks(inputs)) Attach(new ActionNode(op, inputs, backward));
        return this;
    }

    /// <summary>Whether an op on <paramref name="inputs"/> records a gradient: recording is on and some input requires one.</summary>
    internal static bool Tracks(Tensor[] inputs)
    {
        if (!GradMode.Enabled) return false;
        foreach (var input in inputs)
            if (input.RequiresGrad) return true;
        return false;
    }

    /// <summary>Makes <paramref name="node"/> the record of how this freshly computed result was computed.</summary>
    internal void Attach(GradNode node) => record = node;

    /// <summary>
    /// Records a one-input op whose input gradient <paramref name="kernel"/> (a static lambda) computes from the output's
    /// gradient and <paramref name="state"/>, if gradients are being tracked.
    /// </summary>
    internal Tensor WithGrad<TState>(string op, Tensor input, TState state, GradKernel<(Tensor Grad, TState State)> kernel)
    {
        if (GradMode.Enabled && input.RequiresGrad) Attach(new KernelNode<TState>(op, input, state, kernel));
        return this;
    }

    /// <summary>This tensor's elements under <paramref name="like"/>'s shape (same size), for a view's gradient.</summary>
    internal Tensor ViewAs(Tensor like) => new(this, offset, like.shape);

    internal Tensor WithGrad(string op, Tensor input, Action<Tensor> backward) =>
        GradMode.Enabled && input.RequiresGrad ? AttachTo(new ActionNode(op, input, backward)) : this;

    private Tensor AttachTo(GradNode node)
    {
        Attach(node);
        return this;
    }

    /// <summary>A short description: shape, and the values when there are few of them.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Tensor").Append(ShapeUtil.Format(shape));
        if (Size <= 16)
        {
            sb.Append(" [");
            var v = Values;
            for (int i = 0; i < v.Length; i++) sb.Append(i == 0 ? "" : ", ").Append(v[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
            sb.Append(']');
        }
        return sb.ToString();
    }

    /// <summary>A new tensor of zeros of the given shape (internal helper for op results); keeps <paramref name="shape"/>, which must not change afterwards.</summary>
    internal static Tensor Empty(int[] shape)
    {
        var t = Uninitialized(shape);
        t.storage.AsSpan(0, t.Size).Clear();
        return t;
    }

    /// <summary>
    /// A new tensor whose elements are not cleared, for results whose every element the op writes, on storage lent by the
    /// <see cref="TensorArena"/> whose scope is open on this thread, if any. Keeps <paramref name="shape"/> (shape arrays
    /// are never changed once a tensor holds them, so results share their input's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor Uninitialized(int[] shape)
    {
        int size = ShapeUtil.SizeOf(shape);
        return TensorArena.Current is { } lender ? new Tensor(lender.Rent(size), shape, lender.Lease) : new(GC.AllocateUninitializedArray<float>(size), 0, shape);
    }

    /// <summary>A rank-0 op result holding <paramref name="value"/> (lent by the open arena scope, like every op result).</summary>
    internal static Tensor ScalarResult(float value)
    {
        var t = Uninitialized([]);
        t.storage[0] = value;
        return t;
    }

    /// <summary>A new tensor whose elements are not cleared, on storage of its own even inside an arena scope (leaf gradients).</summary>
    internal static Tensor Fresh(int[] shape) => new(GC.AllocateUninitializedArray<float>(ShapeUtil.SizeOf(shape)), 0, shape);

    /// <summary>
    /// A new tensor of zeros for a custom op's result, a forward temporary or a recurrent core's initial state: inside a
    /// <see cref="TensorArena"/> scope its storage comes from the arena and it is released when the scope ends, like every
    /// op result; elsewhere it is the same as <see cref="Zeros"/>.
    /// </summary>
    /// <param name="shape">The dimensions, outermost first.</param>
    public static Tensor Allocate(params ReadOnlySpan<int> shape) => Empty(ValidateShape(shape));

    /// <summary>
    /// <see cref="Allocate"/> without clearing: for a kernel's result or temporary whose every element the kernel writes
    /// before anything reads it (its contents are undefined until then; tests poison lent storage with NaN to check).
    /// </summary>
    /// <param name="shape">The dimensions, outermost first.</param>
    internal static Tensor AllocateUninitialized(params ReadOnlySpan<int> shape) => Uninitialized(ValidateShape(shape));
}
