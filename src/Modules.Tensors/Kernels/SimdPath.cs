using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Modules.Tensors;

/// <summary>An instruction-set path of the engine's hand-vectorised kernels (GEMM micro-kernels, float exp, sigmoid, tanh).</summary>
internal enum SimdPath
{
    /// <summary>Plain scalar code (or, for the GEMM, its unpacked row loop): runs everywhere.</summary>
    Scalar,
    /// <summary>256-bit vectors with FMA (AVX2): 8 float lanes.</summary>
    Avx2,
    /// <summary>512-bit vectors (AVX-512F): 16 float lanes.</summary>
    Avx512,
}

/// <summary>
/// Which <see cref="SimdPath"/> the kernels take: the widest the CPU and runtime support, unless a test forces another
/// on its thread with <see cref="Force"/> so that every path the machine has is exercised, not only the widest.
/// </summary>
/// <remarks>
/// A forced path the hardware lacks is an error, never a silent fallback to another path. For a whole process, the
/// runtime's own switches narrow every path at once (TensorPrimitives included): <c>DOTNET_EnableAVX512=0</c> (.NET 10) leaves
/// AVX2, <c>DOTNET_EnableAVX2=0</c> leaves SSE.
/// </remarks>
internal static class Simd
{
    [ThreadStatic] private static SimdPath? forced;

    /// <summary>Whether this CPU and runtime run <paramref name="path"/> natively.</summary>
    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Scalar => true,
        SimdPath.Avx2 => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported,
        SimdPath.Avx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        _ => false,
    };

    /// <summary>The widest supported path.</summary>
    public static SimdPath Widest { get; } =
        IsSupported(SimdPath.Avx512) ? SimdPath.Avx512 : IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 : SimdPath.Scalar;

    /// <summary>The path kernels take on this thread: the forced one, else <see cref="Widest"/>.</summary>
    public static SimdPath Current => forced ?? Widest;

    /// <summary>Float lanes per vector on <paramref name="path"/>.</summary>
    public static int Lanes(SimdPath path) => path switch { SimdPath.Avx512 => 16, SimdPath.Avx2 => 8, _ => 1 };

    /// <summary>
    /// Makes kernels on this thread take <paramref name="path"/> until the returned scope is disposed:
    /// <c>using (Simd.Force(SimdPath.Avx2)) { ... }</c>.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This CPU or runtime does not support <paramref name="path"/>.</exception>
    public static ForcedSimdPath Force(SimdPath path)
    {
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"Simd.Force: path {path} is not supported on this CPU/runtime (widest supported: {Widest})");
        return new ForcedSimdPath(path);
    }

    /// <summary>Ends a <see cref="Force"/> scope, restoring the previous choice.</summary>
    internal readonly struct ForcedSimdPath : IDisposable
    {
        private readonly SimdPath? previous;

        internal ForcedSimdPath(SimdPath path)
        {
            previous = forced;
            forced = path;
        }

        /// <summary>Restores the previous path.</summary>
        public void Dispose() => forced = previous;
    }
}
