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

    private readonly Dictionary<Tensor, Tensor> gradients = new(ReferenceEqualityComparer.Instance);

    /// <summary>The capture active on this thread, if any.</summary>
    internal static GradientCapture? Current => current;

    /// <summary>The captured gradient of <paramref name="leaf"/>, or null when backward gave it none.</summary>
    public Tensor? this[Tensor leaf] => gradients.GetValueOrDefault(leaf);

    /// <summary>The number of leaves that received a gradient.</summary>
    public int Count => gradients.Count;

    /// <summary>Adds <paramref name="g"/> to the captured gradient of <paramref name="leaf"/> (owned buffers only).</summary>
    internal void Accumulate(Tensor leaf, Tensor g)
    {
        if (gradients.TryGetValue(leaf, out var existing))
            System.Numerics.Tensors.TensorPrimitives.Add(existing.Values, g.Values, existing.Data);
        else
            gradients[leaf] = g.Clone();
    }

    /// <summary>Adds the gradient <paramref name="kernel"/> computes to the captured gradient of <paramref name="leaf"/>, in place once it exists.</summary>
    internal void Accumulate<TState>(Tensor leaf, TState state, GradKernel<TState> kernel)
    {
        if (gradients.TryGetValue(leaf, out var existing))
        {
            kernel(state, existing.Data, true);
            return;
        }
        var fresh = Tensor.Fresh(leaf.ShapeRef);
        kernel(state, fresh.Data, false);
        gradients[leaf] = fresh;
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
