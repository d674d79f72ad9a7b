namespace Modules.Tensors;

/// <summary>
/// Where <see cref="Tensor.Backward()"/> on one thread puts the gradients of leaf tensors instead of their
/// <see cref="Tensor.Grad"/>, so that several threads can back-propagate at once through graphs that share the same
/// parameters (data parallelism) and the caller can combine their gradients in a fixed, deterministic order.
/// </summary>
/// <remarks>Use one capture per thread; it is not thread-safe itself. See <see cref="Tensor.CaptureGradients"/>.</remarks>
public sealed class GradientCapture
{
    [ThreadStatic] private static GradientCapture? current;

    // Every leaf that ever received a gradient keeps its buffer across Clear; only the live ones are part of this pass.
    private readonly Dictionary<Tensor, Slot> gradients = new(ReferenceEqualityComparer.Instance);
    private int live;

    /// <summary>The capture active on this thread, if any.</summary>
    internal static GradientCapture? Current => current;

    private sealed class Slot(Tensor buffer)
    {
        public readonly Tensor Buffer = buffer;
        public bool Live = true;
    }

    /// <summary>The captured gradient of <paramref name="leaf"/>, or null when backward gave it none.</summary>
    /// <remarks>The tensor is the capture's own buffer: <see cref="Clear"/> and the next pass overwrite it.</remarks>
    public Tensor? this[Tensor leaf] => gradients.TryGetValue(leaf, out var slot) && slot.Live ? slot.Buffer : null;

    /// <summary>The number of leaves that received a gradient.</summary>
    public int Count => live;

    /// <summary>
    /// Forgets every captured gradient but keeps their storage, so a capture reused for the next pass (one per thread of
    /// a training loop) allocates nothing once warm. Tensors read from the indexer before the call are overwritten later.
    /// </summary>
    public void Clear()
    {
        foreach (var slot in gradients.Values) slot.Live = false;
        live = 0;
    }

    /// <summary>Adds <paramref name="g"/> to the captured gradient of <paramref name="leaf"/> (owned buffers only).</summary>
    internal void Accumulate(Tensor leaf, Tensor g)
    {
        if (!gradients.TryGetValue(leaf, out var slot))
        {
            gradients[leaf] = new Slot(g.Clone());
            live++;
        }
        else if (slot.Live) System.Numerics.Tensors.TensorPrimitives.Add(slot.Buffer.Values, g.Values, slot.Buffer.Data);
        else
        {
            g.Values.CopyTo(slot.Buffer.Data);
            Revive(slot);
        }
    }

    /// <summary>Adds the gradient <paramref name="kernel"/> computes to the captured gradient of <paramref name="leaf"/>, in place once it exists.</summary>
    internal void Accumulate<TState>(Tensor leaf, TState state, GradKernel<TState> kernel)
    {
        if (gradients.TryGetValue(leaf, out var slot))
        {
            kernel(state, slot.Buffer.Data, slot.Live);
            if (!slot.Live) Revive(slot);
            return;
        }
        var fresh = Tensor.Fresh(leaf.ShapeRef);
        kernel(state, fresh.Data, false);
        gradients[leaf] = new Slot(fresh);
        live++;
    }

    private void Revive(Slot slot)
    {
        slot.Live = true;
        live++;
    }

    internal static GradientCapture? Swap(GradientCapture? next)
    {
        var previous = current;
        current = next;
        return previous;
    }
}

/// <summary>Ends a <see cref="Tensor.CaptureGradients"/> scope, restoring the previous capture (usually none).</summary>
public readonly struct GradientCaptureScope : IDisposable
{
    private readonly GradientCapture? previous;

    internal GradientCaptureScope(GradientCapture capture) => previous = GradientCapture.Swap(capture);

    /// <summary>Ends the scope.</summary>
    public void Dispose() => GradientCapture.Swap(previous);
}

public sealed partial class Tensor
{
    /// <summary>
    /// Starts a scope in which backward passes run on this thread add leaf gradients to <paramref name="capture"/>
    /// rather than to the leaves' <see cref="Grad"/>: <c>using (Tensor.CaptureGradients(capture)) loss.Backward();</c>.
    /// </summary>
    public static GradientCaptureScope CaptureGradients(GradientCapture capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        return new GradientCaptureScope(capture);
    }
}
