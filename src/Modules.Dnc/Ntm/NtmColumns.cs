using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Modules.Dnc.Kernels;

namespace Modules.Dnc;

/// <summary>
/// Loops over a memory item held transposed, <c>[Wd, N]</c> (one row per word position, N long), with the N cells as the
/// vector lanes: the NTM's words are short (Wd = 20 in the paper) and its memories long (N = 128), so a row-major
/// <c>[N, Wd]</c> loop spends most of its time on the tail of a 20-float word, while every loop here runs full vectors
/// along N. Also the per-thread scratch the NTM's kernels hold such items in.
/// </summary>
internal static class NtmColumns
{
    [ThreadStatic] private static float[]? scratch;

    /// <summary>
    /// This thread's scratch of at least <paramref name="length"/> floats (contents undefined). One caller at a time per
    /// thread: a kernel takes it once per batch item and hands slices down.
    /// </summary>
    public static Span<float> Scratch(int length)
    {
        var buffer = scratch;
        if (buffer is null || buffer.Length < length) scratch = buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>destination[c·rows + r] = source[r·columns + c]: [rows, columns] → [columns, rows].</summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        if (source.Length < rows * columns || destination.Length < rows * columns)
            throw new ArgumentException($"NtmColumns.Transpose: need {rows * columns} floats, got {source.Length} and {destination.Length}");
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int r = 0;
        // Eight source rows at a time: 8 × 8 blocks by register shuffles, the columns left over by eight strided loads and
        // one vector store per destination row.
        for (; r <= rows - 8; r += 8)
        {
            ref float block = ref Unsafe.Add(ref s, r * columns);
            int c = 0;
            if (Avx.IsSupported)
                for (; c <= columns - 8; c += 8) Transpose8x8(ref Unsafe.Add(ref block, c), columns, ref Unsafe.Add(ref d, c * rows + r), rows);
            for (; c < columns; c++)
                Vector256.Create(
                    Unsafe.Add(ref block, c), Unsafe.Add(ref block, columns + c), Unsafe.Add(ref block, 2 * columns + c),
                    Unsafe.Add(ref block, 3 * columns + c), Unsafe.Add(ref block, 4 * columns + c), Unsafe.Add(ref block, 5 * columns + c),
                    Unsafe.Add(ref block, 6 * columns + c), Unsafe.Add(ref block, 7 * columns + c)).StoreUnsafe(ref d, (nuint)(c * rows + r));
        }
        for (; r < rows; r++)
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref d, c * rows + r) = Unsafe.Add(ref s, r * columns + c);
    }

    /// <summary>An 8 × 8 block: eight rows <paramref name="stride"/> apart → eight rows <paramref name="outputStride"/> apart.</summary>
    private static void Transpose8x8(ref float source, int stride, ref float destination, int outputStride)
    {
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, (nuint)stride);
        var r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * stride));
        var r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * stride));
        var r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * stride));
        var r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * stride));
        var r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * stride));
        var r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * stride));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref destination, (nuint)outputStride);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref destination, (nuint)(2 * outputStride));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref destination, (nuint)(3 * outputStride));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref destination, (nuint)(4 * outputStride));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref destination, (nuint)(5 * outputStride));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref destination, (nuint)(6 * outputStride));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref destination, (nuint)(7 * outputStride));
    }

    /// <summary>destination[n] = Σ_r rows[r, n]² over the <paramref name="count"/> rows of length N = destination's length.</summary>
    public static void SumOfSquares(ReadOnlySpan<float> rows, int count, Span<float> destination)
    {
        int n = destination.Length, i = 0;
        Require(rows, count, n);
        ref float x = ref MemoryMarshal.GetReference(rows);
        ref float o = ref MemoryMarshal.GetReference(destination);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (int r = 0; r < count; r++)
            {
                var v = Vector.LoadUnsafe(ref x, (nuint)(r * n + i));
                acc += v * v;
            }
            acc.StoreUnsafe(ref o, (nuint)i);
        }
        for (; i < n; i++)
        {
            float acc = 0f;
            for (int r = 0; r < count; r++) acc += Unsafe.Add(ref x, r * n + i) * Unsafe.Add(ref x, r * n + i);
            Unsafe.Add(ref o, i) = acc;
        }
    }

    /// <summary>
    /// destination[n] = Σ_r coefficients[r]·rows[r, n] (added to destination's values when <paramref name="accumulate"/>),
    /// over as many rows as coefficients, each of length N = destination's length.
    /// </summary>
    public static void Combine(ReadOnlySpan<float> rows, ReadOnlySpan<float> coefficients, Span<float> destination, bool accumulate)
    {
        int n = destination.Length, count = coefficients.Length, i = 0;
        Require(rows, count, n);
        ref float x = ref MemoryMarshal.GetReference(rows);
        ref float c = ref MemoryMarshal.GetReference(coefficients);
        ref float o = ref MemoryMarshal.GetReference(destination);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var acc = accumulate ? Vector.LoadUnsafe(ref o, (nuint)i) : Vector<float>.Zero;
            for (int r = 0; r < count; r++) acc += new Vector<float>(Unsafe.Add(ref c, r)) * Vector.LoadUnsafe(ref x, (nuint)(r * n + i));
            acc.StoreUnsafe(ref o, (nuint)i);
        }
        for (; i < n; i++)
        {
            float acc = accumulate ? Unsafe.Add(ref o, i) : 0f;
            for (int r = 0; r < count; r++) acc += Unsafe.Add(ref c, r) * Unsafe.Add(ref x, r * n + i);
            Unsafe.Add(ref o, i) = acc;
        }
    }

    /// <summary>destination[r] = Σ_n rows[r, n]·vector[n], for as many rows as destination holds, each of length N = vector's length.</summary>
    public static void Dots(ReadOnlySpan<float> rows, ReadOnlySpan<float> vector, Span<float> destination)
    {
        int n = vector.Length;
        Require(rows, destination.Length, n);
        for (int r = 0; r < destination.Length; r++) destination[r] = AddressingMath.Dot(rows.Slice(r * n, n), vector);
    }

    /// <summary>
    /// destination[i] = ln(x[i]) for x ≥ 0 (ln 0 = −∞; subnormals included), within about 2 ulp: Cephes' logf
    /// (x = m·2^e with m in [√½, √2), ln(1 + f) by a degree-9 polynomial) in vectors, where the library's vector logarithm
    /// takes a slow path on this machine. The spans may be the same.
    /// </summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> destination)
    {
        int n = x.Length, i = 0;
        if (destination.Length < n) throw new ArgumentException($"NtmColumns.Log: need {n} floats, got {destination.Length}");
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float o = ref MemoryMarshal.GetReference(destination);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) Log(Vector.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref o, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref o, i) = Log(new Vector<float>(Unsafe.Add(ref source, i)))[0];
    }

    private static Vector<float> Log(Vector<float> x)
    {
        // Subnormals are scaled into the normal range first (2^23), and their exponent corrected.
        var tiny = Vector.LessThan(x, new Vector<float>(1.17549435e-38f));
        var bits = Vector.AsVectorInt32(Vector.ConditionalSelect(tiny, x * 8388608f, x));
        var e = Vector.ConvertToSingle(Vector.ShiftRightArithmetic(bits, 23) - new Vector<int>(126))
            - Vector.ConditionalSelect(tiny, new Vector<float>(23f), Vector<float>.Zero);
        var m = Vector.AsVectorSingle((bits & new Vector<int>(0x007FFFFF)) | new Vector<int>(0x3F000000));   // [½, 1)
        var below = Vector.LessThan(m, new Vector<float>(0.707106781186547524f));
        e -= Vector.ConditionalSelect(below, Vector<float>.One, Vector<float>.Zero);
        var f = Vector.ConditionalSelect(below, m + m, m) - Vector<float>.One;                             // [√½ − 1, √2 − 1)
        var z = f * f;
        var p = new Vector<float>(7.0376836292e-2f);
        p = p * f + new Vector<float>(-1.1514610310e-1f);
        p = p * f + new Vector<float>(1.1676998740e-1f);
        p = p * f + new Vector<float>(-1.2420140846e-1f);
        p = p * f + new Vector<float>(1.4249322787e-1f);
        p = p * f + new Vector<float>(-1.6668057665e-1f);
        p = p * f + new Vector<float>(2.0000714765e-1f);
        p = p * f + new Vector<float>(-2.4999993993e-1f);
        p = p * f + new Vector<float>(3.3333331174e-1f);
        var y = p * f * z + e * -2.12194440e-4f - z * 0.5f;
        var result = f + y + e * 0.693359375f;
        return Vector.ConditionalSelect(Vector.Equals(x, Vector<float>.Zero), new Vector<float>(float.NegativeInfinity), result);
    }

    private static void Require(ReadOnlySpan<float> rows, int count, int length)
    {
        if (rows.Length < count * length)
            throw new ArgumentException($"NtmColumns: {count} rows of {length} need {count * length} floats, got {rows.Length}");
    }
}
