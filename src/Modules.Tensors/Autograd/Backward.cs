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
        Backward(Full(shape, 1f));
    }

    /// <summary>
    /// Back-propagates <paramref name="seed"/> (the gradient of some scalar with respect to this tensor),
    /// accumulating into <see cref="Grad"/> of every leaf that requires a gradient.
    /// </summary>
    public void Backward(Tensor seed)
    {
        ShapeUtil.RequireSame("Backward", shape, seed.shape);
        if (!RequiresGrad)
            throw new InvalidOperationException("Backward: this tensor does not depend on any tensor that requires a gradient");

        var order = TopologicalOrder();
        using var _ = NoGrad();
        AccumulateGrad(seed);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            var node = t.Node!;
            var grad = t.Grad;
            if (grad is null) continue;
            node.Backward(grad);
            t.Grad = null; // intermediate gradients are not kept
        }
    }

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
        if (grad is null)
        {
            if (IsLeaf && TakeSpareGrad() is { } spare)
            {
                g.Values.CopyTo(spare.Data);
                grad = spare;
            }
            else grad = IsLeaf ? g.Clone() : g;
            ownsGrad = IsLeaf;
        }
        else if (ownsGrad)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(grad.Values, g.Values, grad.Data);
        }
        else
        {
            var sum = Empty(shape);
            System.Numerics.Tensors.TensorPrimitives.Add(grad.Values, g.Values, sum.Data);
            grad = sum;
            ownsGrad = true;
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
        if (grad is null)
        {
            var fresh = TakeSpareGrad() ?? Uninitialized(shape);
            kernel(state, fresh.Data, false);
            grad = fresh;
        }
        else if (ownsGrad)
        {
            kernel(state, grad.Data, true);
            return;
        }
        else
        {
            var sum = Uninitialized(shape);
            grad.Values.CopyTo(sum.Data);
            kernel(state, sum.Data, true);
            grad = sum;
        }
        ownsGrad = true;
    }

    /// <summary>Whether <see cref="Grad"/> is this tensor's own buffer (safe to update in place).</summary>
    private bool ownsGrad;

    /// <summary>The last number handed to a topological sort, so every sort marks what it has visited with a number of its own.</summary>
    private static long lastVisit;

    /// <summary>The number of the last topological sort that reached this tensor (cheaper than a hash set of visited tensors).</summary>
    private long visitMark;

    /// <summary>Tensors with a grad node reachable from this one, inputs before outputs.</summary>
    private List<Tensor> TopologicalOrder()
    {
        long mark = Interlocked.Increment(ref lastVisit);
        var order = new List<Tensor>();
        var stack = new Stack<(Tensor Tensor, int NextInput)>();
        stack.Push((this, 0));
        visitMark = mark;
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.Node!.Inputs;
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child.Node is not null && child.visitMark != mark)
                {
                    child.visitMark = mark;
                    stack.Push((child, 0));
                }
            }
            else order.Add(t);
        }
        return order;
    }
}
