namespace Modules.Tensors;

/// <summary>
/// A seeded, reproducible random number generator (xoshiro256**, seeded through SplitMix64).
/// Its <see cref="State"/> can be saved and restored, so a resumed training run draws the same stream.
/// </summary>
public sealed class Generator
{
    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    /// <summary>Creates a generator whose stream is fully determined by <paramref name="seed"/>.</summary>
    public Generator(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix(ref x); s1 = SplitMix(ref x); s2 = SplitMix(ref x); s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int minInclusive, int maxExclusive)
    {
        if (maxExclusive <= minInclusive) throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"NextInt: empty range [{minInclusive}, {maxExclusive})");
        ulong range = (ulong)((long)maxExclusive - minInclusive);
        // Rejection sampling keeps every value equally likely.
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(minInclusive + (long)(r % range));
    }

    /// <summary>A standard normal sample (Box–Muller, using both values of each pair).</summary>
    public double NextNormal()
    {
        if (spareNormal is double spare) { spareNormal = null; return spare; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>The full internal state, for checkpoints: four words plus the cached normal (NaN when none).</summary>
    public double[] State
    {
        get => [BitConverter.UInt64BitsToDouble(s0), BitConverter.UInt64BitsToDouble(s1),
                BitConverter.UInt64BitsToDouble(s2), BitConverter.UInt64BitsToDouble(s3), spareNormal ?? double.NaN];
        set
        {
            if (value.Length != 5) throw new ArgumentException($"Generator.State: expected 5 values, got {value.Length}");
            s0 = BitConverter.DoubleToUInt64Bits(value[0]); s1 = BitConverter.DoubleToUInt64Bits(value[1]);
            s2 = BitConverter.DoubleToUInt64Bits(value[2]); s3 = BitConverter.DoubleToUInt64Bits(value[3]);
            spareNormal = double.IsNaN(value[4]) ? null : value[4];
        }
    }

    /// <summary>The state as text (hex words), for JSON checkpoint headers.</summary>
    public string SaveState() => string.Join(",", State.Select(d => BitConverter.DoubleToUInt64Bits(d).ToString("x16")));

    /// <summary>Restores a state written by <see cref="SaveState"/>.</summary>
    public void LoadState(string text)
    {
        var parts = text.Split(',');
        State = parts.Select(p => BitConverter.UInt64BitsToDouble(Convert.ToUInt64(p, 16))).ToArray();
    }
}
