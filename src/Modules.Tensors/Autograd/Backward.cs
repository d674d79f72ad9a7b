namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Starts a scope in which ops record no gradients: <c>using (Tensor.NoGrad()) { ... }</c>.
    /// Use it for evaluation, parameter updates and anything that should not be differentiated.
    /// </summary>
    public static NoGradScope NoGrad() => new(true);

    /// <summary>Whether ops on this thread currently record gradients.</summary>
    public static bool IsGradEnabled => GradMode.Enabled;

    /// <summary>Back-propagates from a one-element tensor (a loss), seeding its gradient with 1.</summary>
    public void Backward()
    {
        if (Size != 1)
            throw new InvalidOperationException($"Backward: needs a one-element tensor, got shape {ShapeUtil.Format(shape)}; pass a seed gradient instead");
        Propagate(null);
    }

    /// <summary>
    /// Back-propagates <paramref name="seed"/> (the gradient of some scalar with respect to this tensor),
    /// accumulating into <see cref="Grad"/> of every leaf that requires a gradient.
    /// </summary>
    public void Backward(Tensor seed)
    {
        ShapeUtil.RequireSame("Backward", shape, seed.shape);
        Propagate(seed);
    }

    /// <summary>The backward pass from <paramref name="seed"/>, or from ones of this tensor's shape (a buffer of the pass) when null.</summary>
    private void Propagate(Tensor? seed)
    {
        if (!RequiresGrad)
            throw new InvalidOperationException("Backward: this tensor does not depend on any tensor that requires a gradient");

        var order = TopologicalOrder();
        foreach (var t in order)
            if (t.IsReleased)
            {
                ReturnOrder(order);
                t.ThrowReleased();   // its graph holds storage reused since: fail before any gradient is touched
            }
        using var _ = NoGrad();
        var mark = BackwardArena.Enter();
        try
        {
            if (seed is null)
            {
                seed = Scratch(shape);
                seed.Data.Fill(1f);
            }
            AccumulateGrad(seed);
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var t = order[i];
                var node = t.Node!;
                var grad = node.Grad;
                if (grad is null) continue;
                node.Backward(grad);
                node.Grad = null; // intermediate gradients are not kept
            }
        }
        finally
        {
            // Only intermediates (never leaves, never a tensor an op returned) hold arena buffers, and only until they are
            // processed; after an exception some may still hold one, so drop those references before the buffers are reused.
            foreach (var t in order)
            {
                t.record!.Grad = null;
                if (t.record is JointNodeBase joint) joint.Drop();   // after an exception its parked gradients are stale
            }
            BackwardArena.Exit(mark);
            ReturnOrder(order);
        }
    }

    /// <summary>
    /// A zero-filled tensor of the given shape for the backward function of a
    /// <see cref="Custom(string, Tensor, Tensor[], Func{Tensor, Tensor?[]})"/> op, to return as an input's gradient or to use
    /// as scratch. Inside <see cref="Backward()"/> its storage comes from the backward pass's arena and is reused for
    /// later passes once <see cref="Backward()"/> returns, so a training loop allocates no gradient buffers after its
    /// first step; the engine copies whatever it keeps (leaf gradients), so returning it is always safe, but a backward
    /// function must not keep it in a field or closure beyond its own call. Outside a backward pass it is a new tensor.
    /// </summary>
    /// <param name="shape">The dimensions, outermost first.</param>
    public static Tensor BackwardBuffer(params ReadOnlySpan<int> shape)
    {
        var t = Scratch(ValidateShape(shape));
        t.Data.Clear();
        return t;
    }

    /// <summary>
    /// <see cref="BackwardBuffer"/> without clearing: for a gradient or temporary whose every element the backward function
    /// writes before anything reads it (its contents are undefined until then; tests poison lent storage with NaN to check).
    /// </summary>
    /// <param name="shape">The dimensions, outermost first.</param>
    internal static Tensor BackwardBufferUninitialized(params ReadOnlySpan<int> shape) => Scratch(ValidateShape(shape));

    /// <summary>
    /// An array of <paramref name="count"/> nulls for a backward function to return its inputs' gradients in; inside a backward
    /// pass it comes from the pass's arena and is cleared and reused once the pass ends, so, like a
    /// <see cref="BackwardBuffer"/>, it must not be kept beyond the backward function's call.
    /// </summary>
    internal static Tensor?[] GradientSlots(int count) => BackwardArena.RentSlots(count);

    /// <summary>
    /// <paramref name="gradients"/> in an array of the backward pass's arena (see <see cref="GradientSlots(int)"/>): what a
    /// backward function returns, without a new array per call.
    /// </summary>
    internal static Tensor?[] GradientSlots(params ReadOnlySpan<Tensor?> gradients)
    {
        var slots = BackwardArena.RentSlots(gradients.Length);
        gradients.CopyTo(slots);
        return slots;
    }

    /// <summary>
    /// A tensor whose elements are not cleared, from the backward pass's arena when one is active on this thread (else
    /// fresh): for gradients of intermediate tensors and temporaries of backward functions, never for anything that
    /// outlives the pass (leaf gradients, captured gradients, results handed to callers).
    /// </summary>
    internal static Tensor Scratch(int[] shape) =>
        BackwardArena.RentTensor(shape) ?? Fresh(shape);

    /// <summary>Adds <paramref name="g"/> to this tensor's gradient (used by backward functions).</summary>
    /// <remarks>
    /// Backward functions may hand the same gradient tensor to several inputs, so a gradient is only
    /// updated in place once this tensor owns it. Leaves always own theirs, since callers (optimizers,
    /// clipping) may change <see cref="Grad"/> in place.
    /// </remarks>
    internal void AccumulateGrad(Tensor g)
    {
        if (!RequiresGrad) return;
        if (!g.Shape.SequenceEqual(Shape))
            throw new InvalidOperationException($"internal: gradient of shape {ShapeUtil.Format(g.shape)} for tensor of shape {ShapeUtil.Format(shape)}");
        if (IsLeaf && GradientCapture.Current is { } capture)
        {
            capture.Accumulate(this, g);
            return;
        }
        var r = record!;   // RequiresGrad: a node or a leaf's record
        if (r.Grad is not { } grad)
        {
            if (IsLeaf && TakeSpareGrad() is { } spare)
            {
                g.Values.CopyTo(spare.Data);
                r.Grad = spare;
            }
            else r.Grad = IsLeaf ? g.Clone() : g;
            r.OwnsGrad = IsLeaf;
        }
        else if (r.OwnsGrad)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(grad.Values, g.Values, grad.Data);
        }
        else
        {
            var sum = IsLeaf ? Fresh(shape) : Scratch(shape);
            System.Numerics.Tensors.TensorPrimitives.Add(grad.Values, g.Values, sum.Data);
            r.Grad = sum;
            r.OwnsGrad = true;
        }
    }

    /// <summary>
    /// Adds a gradient that <paramref name="kernel"/> computes straight into this tensor's gradient buffer, so a backward
    /// function allocates nothing when the buffer already exists (a parameter used at every time step, an input used twice).
    /// </summary>
    /// <remarks>
    /// The kernel is called once, with a span of this tensor's size and <c>accumulate</c>: when false the span holds
    /// garbage and the kernel must overwrite every element; when true it must add its gradient to what the span holds.
    /// Ownership follows <see cref="AccumulateGrad(Tensor)"/>: a buffer shared with another tensor is copied before it is
    /// added to, and the buffer this creates is this tensor's own. Pass a static lambda and its inputs in
    /// <paramref name="state"/> (a value tuple), so no closure is allocated.
    /// </remarks>
    internal void AccumulateGrad<TState>(TState state, GradKernel<TState> kernel)
    {
        if (!RequiresGrad) return;
        if (IsLeaf && GradientCapture.Current is { } capture)
        {
            capture.Accumulate(this, state, kernel);
            return;
        }
        var r = record!;
        if (r.Grad is not { } grad)
        {
            // A leaf's gradient outlives the pass; an intermediate's is dropped as soon as its node has run.
            var fresh = IsLeaf ? TakeSpareGrad() ?? Fresh(shape) : Scratch(shape);
            kernel(state, fresh.Data, false);
            r.Grad = fresh;
        }
        else if (r.OwnsGrad)
        {
            kernel(state, grad.Data, true);
            return;
        }
        else
        {
            var sum = IsLeaf ? Fresh(shape) : Scratch(shape);
            grad.Values.CopyTo(sum.Data);
            kernel(state, sum.Data, true);
            r.Grad = sum;
        }
        r.OwnsGrad = true;
    }

    /// <summary>The last number handed to a topological sort, so every sort marks what it has visited with a number of its own.</summary>
    private static long lastVisit;

    /// <summary>This thread's list and stack for the topological sort, kept between passes (taken while in use, so a
    /// backward pass nested in a backward function gets its own).</summary>
    [ThreadStatic] private static List<Tensor>? spareOrder;
    [ThreadStatic] private static Stack<(Tensor Tensor, int NextInput)>? spareStack;

    /// <summary>Hands the sort's list back for the next pass, emptied so it keeps no graph alive.</summary>
    private static void ReturnOrder(List<Tensor> order)
    {
        order.Clear();
        spareOrder = order;
    }

    /// <summary>Tensors with a grad node reachable from this one, inputs before outputs.</summary>
    private List<Tensor> TopologicalOrder()
    {
        long mark = Interlocked.Increment(ref lastVisit);
        var order = spareOrder ?? new List<Tensor>();
        spareOrder = null;
        var stack = spareStack ?? new Stack<(Tensor Tensor, int NextInput)>();
        spareStack = null;
        stack.Push((this, 0));
        Node!.VisitMark = mark;
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var node = t.Node!;
            if (next < node.InputCount)
            {
                stack.Push((t, next + 1));
                var child = node.Input(next);
                if (child.Node is { } childNode && childNode.VisitMark != mark)
                {
                    childNode.VisitMark = mark;
                    stack.Push((child, 0));
                }
            }
            else order.Add(t);
        }
        spareStack = stack;   // empty again
        return order;
    }
}
