namespace Modules.Tensors;

/// <summary>Whether ops record gradients on the current thread; see <see cref="Tensor.NoGrad"/>.</summary>
internal static class GradMode
{
    [ThreadStatic] private static int disabledDepth;

    public static bool Enabled => disabledDepth == 0;

    public static void Disable() => disabledDepth++;

    public static void Restore() => disabledDepth--;
}

/// <summary>A scope in which ops record no gradients; dispose it to restore the previous mode.</summary>
public readonly struct NoGradScope : IDisposable
{
    internal NoGradScope(bool _) => GradMode.Disable();

    /// <summary>Ends the scope.</summary>
    public void Dispose() => GradMode.Restore();
}
