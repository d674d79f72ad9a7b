using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Modules.Tensors;

/// <summary>
/// Per-thread packing buffers for the GEMM, allocated once on the pinned heap and grown on demand,
/// so steady-state multiplies allocate nothing. Pointers are aligned to 64 bytes (one cache line,
/// one zmm register) so packed panels never split a vector load across lines.
/// </summary>
internal static unsafe class GemmBuffers
{
    [ThreadStatic] private static float[]? packedA;
    [ThreadStatic] private static float[]? packedB;

    /// <summary>This thread's buffer for packed A blocks, at least <paramref name="length"/> floats.</summary>
    public static float* A(int length) => Get(ref packedA, length);

    /// <summary>This thread's buffer for packed B panels, at least <paramref name="length"/> floats.</summary>
    public static float* B(int length) => Get(ref packedB, length);

    private static float* Get(ref float[]? buffer, int length)
    {
        const int alignFloats = 16;
        if (buffer is null || buffer.Length < length + alignFloats)
            buffer = GC.AllocateUninitializedArray<float>(length + alignFloats, pinned: true);
        // Pinned-heap arrays never move, so the raw address stays valid for the array's lifetime.
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((p + 63) & ~(nint)63);
    }
}
