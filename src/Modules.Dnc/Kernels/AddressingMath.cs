using Modules.Tensors;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Modules.Dnc.Kernels;

/// <summary>
/// Scalar and short-row helpers shared by the fused addressing kernels (content, erase/write, usage, allocation); their batch
/// loops go through <see cref="BatchParallel"/>.
/// </summary>
internal static class AddressingMath
{
    /// <summary>Largest scratch, in floats, taken from the stack; beyond it a kernel allocates.</summary>
    public const int StackScratchLimit = 2048;

    /// <summary>
    /// Item <paramref name="item"/>'s <paramref name="length"/> floats of a per-item gradient buffer, or an empty span when the
    /// gradient is not wanted (null): what the kernels' item functions take for "skip this gradient".
    /// </summary>
    public static Span<float> ItemSlice(Tensor? gradient, int item, int length) => gradient is null ? default : gradient.Data.Slice(item * length, length);

    /// <summary>
    /// Σ a·b over <paramref name="a"/>'s length (<paramref name="b"/> at least as long). For the short rows of a memory
    /// word (Wd = 16…64) a plain SIMD loop costs a fraction of a library call's dispatch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int length = a.Length, i = 0;
        if (b.Length < length) ThrowTooShort(length, b.Length);
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
                acc += Vector.LoadUnsafe(ref x, (nuint)i) * Vector.LoadUnsafe(ref y, (nuint)i);
            sum = Vector.Sum(acc);
        }
        for (; i < length; i++) sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        return sum;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTooShort(int needed, int actual) =>
        throw new ArgumentException($"AddressingMath.Dot: need {needed} floats, got {actual}");

    /// <summary>destination += scale·x, element-wise over <paramref name="x"/>'s length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ReadOnlySpan<float> x, float scale, Span<float> destination)
    {
        int length = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var s = new Vector<float>(scale);
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(destination[i..]) + s * new Vector<float>(x[i..])).CopyTo(destination[i..]);
        }
        for (; i < length; i++) destination[i] += scale * x[i];
    }

    /// <summary>destination = scale·x, element-wise over <paramref name="x"/>'s length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(ReadOnlySpan<float> x, float scale, Span<float> destination)
    {
        int length = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var s = new Vector<float>(scale);
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
                (s * new Vector<float>(x[i..])).CopyTo(destination[i..]);
        }
        for (; i < length; i++) destination[i] = scale * x[i];
    }

    /// <summary>
    /// destination = scale·x + Σ_p coefficients[p·stride]·rows[p, :] over the <paramref name="destination"/>-wide rows, added in
    /// p order: the same operations as <see cref="Scale"/> followed by one <see cref="MultiplyAdd"/> per row, so the same
    /// floats, with the running sum kept in registers instead of stored and reloaded after every row.
    /// </summary>
    public static void ScaleAndMultiplyAdd(ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> rows, ReadOnlySpan<float> coefficients,
        int stride, Span<float> destination)
    {
        int width = destination.Length, count = width == 0 ? 0 : rows.Length / width, j = 0;
        if (x.Length < width || (count > 0 && coefficients.Length < (count - 1) * stride + 1))
            throw new ArgumentException($"AddressingMath.ScaleAndMultiplyAdd: need x of {width} floats and {count} coefficients {stride} apart, got {x.Length} and {coefficients.Length}");
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float row = ref MemoryMarshal.GetReference(rows);
        ref float c = ref MemoryMarshal.GetReference(coefficients);
        ref float target = ref MemoryMarshal.GetReference(destination);
        if (Vector.IsHardwareAccelerated)
        {
            var s = new Vector<float>(scale);
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
            {
                var acc = s * Vector.LoadUnsafe(ref source, (nuint)j);
                for (int p = 0; p < count; p++)
                    acc += new Vector<float>(Unsafe.Add(ref c, p * stride)) * Vector.LoadUnsafe(ref row, (nuint)(p * width + j));
                acc.StoreUnsafe(ref target, (nuint)j);
            }
        }
        for (; j < width; j++)
        {
            float acc = scale * Unsafe.Add(ref source, j);
            for (int p = 0; p < count; p++) acc += Unsafe.Add(ref c, p * stride) * Unsafe.Add(ref row, p * width + j);
            Unsafe.Add(ref target, j) = acc;
        }
    }

    /// <summary>softplus(x) = log(1 + eˣ), in double as the tensor engine's Softplus, accurate for large |x|.</summary>
    public static float Softplus(float x)
    {
        double u = Math.Exp(-Math.Abs((double)x));
        double w = 1.0 + u;
        double log1p = w == 1.0 ? u : Math.Log(w) * u / (w - 1.0); // Goldberg's correction of the rounding of 1 + u
        return (float)(Math.Max(x, 0.0) + log1p);
    }

    /// <summary>1 / (1 + e^−x), the derivative of <see cref="Softplus"/>, without overflow.</summary>
    public static float Sigmoid(float x)
    {
        if (x >= 0) return (float)(1.0 / (1.0 + Math.Exp(-x)));
        double e = Math.Exp(x);
        return (float)(e / (1.0 + e));
    }
}
