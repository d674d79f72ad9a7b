using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Modules.Tensors;

namespace Modules.Dnc.Kernels;

/// <summary>
/// A vector of float lanes that the link kernels' row functions are written against once, generic over the width, so
/// each row function is one code path for every <see cref="SimdPath"/>: <see cref="Lanes512"/> (a 16-cell row is one
/// vector), <see cref="Lanes256"/> and <see cref="Lanes1"/> (one lane: the scalar path). The JIT compiles each width
/// separately, so the abstraction costs nothing at run time.
/// </summary>
/// <remarks>
/// Only separate multiplies and adds (never a fused multiply-add), so every lane computes the same floats on every path;
/// the horizontal <see cref="Sum"/> is the one place where the path changes the summation order.
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

    /// <summary>These lanes with lane <paramref name="lane"/> set to zero (unchanged when it is outside [0, Count)).</summary>
    TSelf WithZeroAt(int lane);

    /// <summary>The sum of the lanes.</summary>
    float Sum();

    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf operator +(TSelf left, TSelf right);

    /// <summary>Lane-wise difference.</summary>
    static abstract TSelf operator -(TSelf left, TSelf right);

    /// <summary>Lane-wise product.</summary>
    static abstract TSelf operator *(TSelf left, TSelf right);
}

/// <summary>16 float lanes (AVX-512).</summary>
internal readonly struct Lanes512(Vector512<float> value) : ILanes<Lanes512>
{
    private readonly Vector512<float> value = value;

    public static int Count => Vector512<float>.Count;

    public static Lanes512 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, nuint at) => new(Vector512.LoadUnsafe(ref source, at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lanes512 WithZeroAt(int lane) => new(Vector512.AndNot(value, Vector512.Equals(Vector512<int>.Indices, Vector512.Create(lane)).AsSingle()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 left, Lanes512 right) => new(left.value + right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 left, Lanes512 right) => new(left.value - right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 left, Lanes512 right) => new(left.value * right.value);
}

/// <summary>8 float lanes (AVX2).</summary>
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
    public float Sum() => Vector256.Sum(value);

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
    public static Lanes1 operator +(Lanes1 left, Lanes1 right) => new(left.value + right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator -(Lanes1 left, Lanes1 right) => new(left.value - right.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator *(Lanes1 left, Lanes1 right) => new(left.value * right.value);
}
