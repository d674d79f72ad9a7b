using System.Numerics.Tensors;
using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules.Training;

/// <summary>Gradient clipping with TensorFlow's <c>tf.clip_by_global_norm</c> semantics.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales every gradient in place by <c>maxNorm / max(globalNorm, maxNorm)</c>, where
    /// <c>globalNorm = sqrt(Σ over all gradients of Σ g²)</c>; gradients within the limit are left unchanged.
    /// Null entries are skipped. Returns the global norm measured before clipping (NaN or ∞ gradients give a
    /// non-finite norm and, as in TensorFlow, non-finite gradients).
    /// </summary>
    /// <param name="grads">The gradients, any shapes.</param>
    /// <param name="maxNorm">The largest global norm allowed; must be positive.</param>
    public static float ClipByGlobalNorm(IEnumerable<Tensor?> grads, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(grads);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipByGlobalNorm: maxNorm must be positive");
        var list = grads as IReadOnlyList<Tensor?> ?? grads.ToList();
        double sumOfSquares = 0;
        for (int i = 0; i < list.Count; i++)
            if (list[i] is { } g) sumOfSquares += TensorPrimitives.SumOfSquares(g.Values);
        float norm = (float)Math.Sqrt(sumOfSquares);
        if (norm > maxNorm || !float.IsFinite(norm))
        {
            float scale = maxNorm / norm;
            for (int i = 0; i < list.Count; i++)
                if (list[i] is { } g) TensorPrimitives.Multiply(g.Values, scale, g.Data);
        }
        return norm;
    }

    /// <summary>
    /// Clips the <see cref="Tensor.Grad"/> of every parameter (those without one are skipped) as
    /// <see cref="ClipByGlobalNorm(IEnumerable{Tensor?}, float)"/> does; returns the global norm before clipping.
    /// </summary>
    /// <param name="parameters">Parameters by path, as <c>Module.NamedParameters()</c> returns them.</param>
    /// <param name="maxNorm">The largest global norm allowed; must be positive.</param>
    public static float ClipGradientsByGlobalNorm(IEnumerable<KeyValuePair<string, Tensor>> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipByGlobalNorm: maxNorm must be positive");
        // Two passes over the parameters (sum of squares, then scale) without collecting the gradients first.
        var list = parameters as IReadOnlyList<KeyValuePair<string, Tensor>> ?? parameters.ToList();
        float norm = GlobalNorm(list);
        if (norm > maxNorm || !float.IsFinite(norm))
        {
            float scale = maxNorm / norm;
            for (int i = 0; i < list.Count; i++)
                if (list[i].Value.Grad is { } g) TensorPrimitives.Multiply(g.Values, scale, g.Data);
        }
        return norm;
    }

    /// <summary>The global norm sqrt(Σ ‖g‖²) of the parameters' gradients (parameters without one count as zero), unchanged.</summary>
    public static float GlobalNorm(IReadOnlyList<KeyValuePair<string, Tensor>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sumOfSquares = 0;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i].Value.Grad is { } g) sumOfSquares += TensorPrimitives.SumOfSquares(g.Values);
        return (float)Math.Sqrt(sumOfSquares);
    }
}
