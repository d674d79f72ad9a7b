using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Modules.Tensors;

/// <summary>
/// Element-wise eˣ, the logistic sigmoid and tanh over float spans, computed in float (the runtime's vector exp widens
/// every lane to double, which halves the throughput). Each function is within 2 ulp of the correctly rounded result
/// over the whole float range, returns the limits (0, 1, ±1, +∞) where those are the rounded results, and passes NaN
/// through. The AVX-512 and AVX2 paths give bit-identical results to the scalar path, so results never depend on the
/// machine.
/// </summary>
public static class FloatMath
{
    // Cody–Waite split of ln 2 (the high part has 12 significant bits, so n·LnHigh is exact for |n| ≤ 2¹²).
    private const float Log2E = 1.44269504088896341f, LnHigh = 0.693359375f, LnLow = -2.12194440e-4f;
    // Minimax polynomial for (eʳ − 1 − r)/r² on |r| ≤ ln2/2 (Cephes expf).
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
                        P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    // Beyond these eˣ is +∞ or rounds to 0; clamping keeps the exponent arithmetic in range.
    private const float MaxInput = 89f, MinInput = -104f;
    // tanh(x) = x + x³·Q(x²) for |x| < 0.625 (Cephes tanhf), where 1 − 2/(e²ˣ + 1) would cancel.
    private const float Q0 = -5.70498872745e-3f, Q1 = 2.06390887954e-2f, Q2 = -5.37397155531e-2f,
                        Q3 = 1.33314422036e-1f, Q4 = -3.33332819422e-1f, TanhSmall = 0.625f;

    /// <summary>destination[i] = e^source[i]. The spans must have the same length; they may be the same span.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Exp(ReadOnlySpan<float> source, Span<float> destination) => Run<ExpOp>(source, destination, Simd.Current);

    /// <summary>destination[i] = 1 / (1 + e^−source[i]). The spans must have the same length; they may be the same span.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Sigmoid(ReadOnlySpan<float> source, Span<float> destination) => Run<SigmoidOp>(source, destination, Simd.Current);

    /// <summary>destination[i] = tanh(source[i]). The spans must have the same length; they may be the same span.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Tanh(ReadOnlySpan<float> source, Span<float> destination) => Run<TanhOp>(source, destination, Simd.Current);

    /// <summary>One row's softmax: y = exp(x − max x) / Σ exp(x − max x), the arithmetic of <see cref="Tensor.Softmax(Tensor, int)"/>.</summary>
    internal static void Softmax(ReadOnlySpan<float> x, Span<float> y)
    {
        System.Numerics.Tensors.TensorPrimitives.Subtract(x, System.Numerics.Tensors.TensorPrimitives.Max(x), y);
        Exp(y, y);
        System.Numerics.Tensors.TensorPrimitives.Divide(y, System.Numerics.Tensors.TensorPrimitives.Sum(y), y);
    }

    /// <summary>One row's softmax backward from its output y and gradient g: dx = y ⊙ (g − Σ g ⊙ y).</summary>
    internal static void SoftmaxBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx)
    {
        float dot = System.Numerics.Tensors.TensorPrimitives.Dot(y, g);
        System.Numerics.Tensors.TensorPrimitives.Subtract(g, dot, dx);
        System.Numerics.Tensors.TensorPrimitives.Multiply(dx, y, dx);
    }

    /// <summary>The sigmoid's backward from its output y and gradient g: dx[i] = g[i]·y[i]·(1 − y[i]), over dx's length.</summary>
    internal static void SigmoidBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = g[i] * y[i] * (1f - y[i]);
    }

    /// <summary>eˣ for one value (the scalar path, identical to every vector lane).</summary>
    public static float Exp(float x)
    {
        if (float.IsNaN(x)) return x;
        x = Math.Clamp(x, MinInput, MaxInput);
        float n = MathF.Round(x * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -LnLow, MathF.FusedMultiplyAdd(n, -LnHigh, x));
        float p = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(
            MathF.FusedMultiplyAdd(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        p = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        // 2ⁿ as two factors, each a normal float for every n in [−150, 128]: overflow and underflow round as they should.
        int ni = (int)n, half = ni >> 1;
        return p * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((ni - half + 127) << 23);
    }

    /// <summary>1 / (1 + e⁻ˣ) for one value, as e/(1 + e) with e = e^−|x| for negative x so tiny results keep their precision.</summary>
    public static float Sigmoid(float x)
    {
        float e = Exp(-MathF.Abs(x));
        return (x >= 0f ? 1f : e) / (1f + e);
    }

    /// <summary>tanh(x) for one value.</summary>
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a < TanhSmall)
        {
            float z = x * x;
            float q = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(Q0, z, Q1), z, Q2), z, Q3), z, Q4);
            return MathF.FusedMultiplyAdd(x * z, q, x);
        }
        return MathF.CopySign(1f - 2f / (Exp(2f * a) + 1f), x);
    }

    /// <summary>Runs <typeparamref name="TOp"/> over the spans on <paramref name="path"/> (tests pass each supported path).</summary>
    internal static void Run<TOp>(ReadOnlySpan<float> source, Span<float> destination, SimdPath path) where TOp : IFloatOp
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"FloatMath: source has {source.Length} elements, destination {destination.Length}");
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int i = 0, length = source.Length;
        if (path == SimdPath.Avx512)
            for (; i <= length - 16; i += 16) TOp.Apply(Vector512.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        else if (path == SimdPath.Avx2)
            for (; i <= length - 8; i += 8) TOp.Apply(Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        for (; i < length; i++) Unsafe.Add(ref d, i) = TOp.Apply(Unsafe.Add(ref s, i));
    }

    /// <summary>One element-wise function on a scalar and on both vector widths (the same arithmetic, lane by lane).</summary>
    internal interface IFloatOp
    {
        static abstract float Apply(float x);
        static abstract Vector256<float> Apply(Vector256<float> x);
        static abstract Vector512<float> Apply(Vector512<float> x);
    }

    internal readonly struct ExpOp : IFloatOp
    {
        public static float Apply(float x) => Exp(x);
        public static Vector256<float> Apply(Vector256<float> x) => Exp256(x);
        public static Vector512<float> Apply(Vector512<float> x) => Exp512(x);
    }

    internal readonly struct SigmoidOp : IFloatOp
    {
        public static float Apply(float x) => Sigmoid(x);

        public static Vector256<float> Apply(Vector256<float> x)
        {
            var e = Exp256(-Vector256.Abs(x));
            return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, e) / (Vector256<float>.One + e);
        }

        public static Vector512<float> Apply(Vector512<float> x)
        {
            var e = Exp512(-Vector512.Abs(x));
            return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One, e) / (Vector512<float>.One + e);
        }
    }

    internal readonly struct TanhOp : IFloatOp
    {
        public static float Apply(float x) => Tanh(x);

        public static Vector256<float> Apply(Vector256<float> x)
        {
            var a = Vector256.Abs(x);
            var z = x * x;
            var q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(
                Vector256.Create(Q0), z, Vector256.Create(Q1)), z, Vector256.Create(Q2)), z, Vector256.Create(Q3)), z, Vector256.Create(Q4));
            var small = Vector256.FusedMultiplyAdd(x * z, q, x);
            var large = Vector256.CopySign(Vector256<float>.One - Vector256.Create(2f) / (Exp256(a + a) + Vector256<float>.One), x);
            return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TanhSmall)), small, large);
        }

        public static Vector512<float> Apply(Vector512<float> x)
        {
            var a = Vector512.Abs(x);
            var z = x * x;
            var q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(
                Vector512.Create(Q0), z, Vector512.Create(Q1)), z, Vector512.Create(Q2)), z, Vector512.Create(Q3)), z, Vector512.Create(Q4));
            var small = Vector512.FusedMultiplyAdd(x * z, q, x);
            var large = Vector512.CopySign(Vector512<float>.One - Vector512.Create(2f) / (Exp512(a + a) + Vector512<float>.One), x);
            return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhSmall)), small, large);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp256(Vector256<float> x)
    {
        var c = Vector256.Min(Vector256.Max(x, Vector256.Create(MinInput)), Vector256.Create(MaxInput));
        var n = Vector256.Round(c * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-LnLow), Vector256.FusedMultiplyAdd(n, Vector256.Create(-LnHigh), c));
        var p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1)), r, Vector256.Create(P2)), r, Vector256.Create(P3)),
            r, Vector256.Create(P4)), r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var ni = Vector256.ConvertToInt32(n);
        var half = Vector256.ShiftRightArithmetic(ni, 1);
        var bias = Vector256.Create(127);
        var e = p * Vector256.ShiftLeft(half + bias, 23).AsSingle() * Vector256.ShiftLeft(ni - half + bias, 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), e, x);   // NaN lanes pass through
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp512(Vector512<float> x)
    {
        var c = Vector512.Min(Vector512.Max(x, Vector512.Create(MinInput)), Vector512.Create(MaxInput));
        var n = Vector512.Round(c * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-LnLow), Vector512.FusedMultiplyAdd(n, Vector512.Create(-LnHigh), c));
        var p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1)), r, Vector512.Create(P2)), r, Vector512.Create(P3)),
            r, Vector512.Create(P4)), r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var ni = Vector512.ConvertToInt32(n);
        var half = Vector512.ShiftRightArithmetic(ni, 1);
        var bias = Vector512.Create(127);
        var e = p * Vector512.ShiftLeft(half + bias, 23).AsSingle() * Vector512.ShiftLeft(ni - half + bias, 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }
}
