using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// A vector of float lanes that the link kernels' row functions are written against once, generic over the width, so
/// each row function is one code path for every <see cref="SimdPath"/>: <see cref="Lanes256"/> on the AVX2 and AVX-512
/// paths and <see cref="Lanes1"/> (one lane) on the scalar path (<see cref="RowLanes"/> picks). The JIT compiles each
/// width separately, so the abstraction costs nothing at run time.
/// </summary>
/// <remarks>
/// Only separate multiplies and adds (never a fused multiply-add), so every lane computes the same floats on every path;
/// the horizontal <see cref="Sum"/> is the one place where the width changes the summation order. No 512-bit width: on
/// this project's AVX-512 machine (AMD Zen 4, which runs a 512-bit operation as two 256-bit halves) whole 16-cell rows in
/// one 512-bit vector measured no faster in forward and about 30 % slower in backward than two 256-bit vectors, the
/// reductions costing more than the halved instruction count saves.
/// </remarks>
internal interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TSelf Broadcast(float value);

    /// <summary>The <see cref="Count"/> floats at <paramref name="source"/> + <paramref name="at"/>, unchecked.</summary>
    static abstract TSelf Load(ref float source, nuint at);

    /// <summary>Stores the lanes at <paramref name="destination"/> + <paramref name="at"/>, unchecked.</summary>
    void Store(ref float destination, nuint at);

    /// <summary>These lanes with lane <paramref name="lane"/> (in [0, Count)) set to zero.</summary>
    TSelf WithZeroAt(int lane);

    /// <summary>The sum of the lanes, in the order of <see cref="Sum4"/>.</summary>
    float Sum();

    /// <summary>
    /// The lane sums of four vectors at once, [Σa, Σb, Σc, Σd]: the reductions share their shuffles, which at a row of one
    /// or two vectors cost more than the row's arithmetic. Each sum is a fixed pairwise tree, the same as <see cref="Sum"/>'s.
    /// </summary>
    static abstract Vector128<float> Sum4(TSelf a, TSelf b, TSelf c, TSelf d);

    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf operator +(TSelf left, TSelf right);

    /// <summary>Lane-wise difference.</summary>
    static abstract TSelf operator -(TSelf left, TSelf right);

    /// <summary>Lane-wise product.</summary>
    static abstract TSelf operator *(TSelf left, TSelf right);
}

/// <summary>Which lanes the row functions take for a <see cref="SimdPath"/>.</summary>
internal static class RowLanes
{
    /// <summary>Whether <paramref name="path"/> runs the rows one lane at a time (<see cref="Lanes1"/>) rather than in <see cref="Lanes256"/>.</summary>
    public static bool IsScalar(SimdPath path) => path == SimdPath.Scalar;
}

/// <summary>8 float lanes (AVX2; also the AVX-512 path's rows, see <see cref="ILanes{TSelf}"/>).</summary>
internal readonly struct Lanes256(Vector256<float> value) : ILanes<Lanes256>
{
    private readonly Vector256<float> value = value;

    public static int Count => Vector256<float>.Count;

    public static Lanes256 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, nuint at) => new(Vector256.LoadUnsafe(ref source, at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lanes256 WithZeroAt(int lane) => new(Vector256.AndNot(value, Vector256.Equals(Vector256<int>.Indices, Vector256.Create(lane)).AsSingle()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Sum4(this, this, this, this).ToScalar();

    /// <summary>Three horizontal adds and one add of the halves: Σa = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Lanes256 a, Lanes256 b, Lanes256 c, Lanes256 d)
    {
        // Only reached on the AVX2 and AVX-512 paths (Simd requires AVX2 for the first; every AVX-512 CPU has AVX).
        var sums = Avx.HorizontalAdd(Avx.HorizontalAdd(a.value, b.value), Avx.HorizontalAdd(c.value, d.value));
        return sums.GetLower() + sums.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 left, Lanes256 right) => new(left.value + right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 left, Lanes256 right) => new(left.value - right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 left, Lanes256 right) => new(left.value * right.value);
}

/// <summary>One lane: the scalar path, through the same row code as the vector widths.</summary>
internal readonly struct Lanes1(float value) : ILanes<Lanes1>
{
    private readonly float value = value;

    public static int Count => 1;

    public static Lanes1 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Load(ref float source, nuint at) => new(Unsafe.Add(ref source, at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint at) => Unsafe.Add(ref destination, at) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lanes1 WithZeroAt(int lane) => lane == 0 ? default : this;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Lanes1 a, Lanes1 b, Lanes1 c, Lanes1 d) => Vector128.Create(a.value, b.value, c.value, d.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator +(Lanes1 left, Lanes1 right) => new(left.value + right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator -(Lanes1 left, Lanes1 right) => new(left.value - right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator *(Lanes1 left, Lanes1 right) => new(left.value * right.value);
}
