namespace Modules.Tensors.Tests;

/// <summary>
/// A theory of one instruction-set path: skipped, with the reason in the test output, on a machine without that path,
/// so a path is never assumed to work because its test fell back to another path.
/// </summary>
internal sealed class SimdTheoryAttribute : TheoryAttribute
{
    public SimdTheoryAttribute(SimdPath path)
    {
        if (!Simd.IsSupported(path))
            Skip = $"{path} is not supported on this CPU/runtime (widest supported path: {Simd.Widest}); its kernels cannot run here";
    }
}

/// <summary>A fact of one instruction-set path, skipped like <see cref="SimdTheoryAttribute"/>.</summary>
internal sealed class SimdFactAttribute : FactAttribute
{
    public SimdFactAttribute(SimdPath path)
    {
        if (!Simd.IsSupported(path))
            Skip = $"{path} is not supported on this CPU/runtime (widest supported path: {Simd.Widest}); its kernels cannot run here";
    }
}
