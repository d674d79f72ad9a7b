namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// A tensor of zeros. Factories take their arguments in one order: the generator (random ones only), the shape,
    /// then the values: <c>Zeros(shape)</c>, <c>Full(shape, value)</c>, <c>Uniform(rng, shape, low, high)</c>.
    /// </summary>
    public static Tensor Zeros(params int[] shape) => new(new float[ShapeUtil.SizeOf(shape)], shape);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, float value)
    {
        var data = new float[ShapeUtil.SizeOf(shape)];
        Array.Fill(data, value);
        return new Tensor(data, shape);
    }

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => new([value], 0, []);

    /// <summary>A tensor of shape <paramref name="shape"/> holding a copy of <paramref name="values"/> (row-major, as many as the shape holds).</summary>
    public static Tensor FromArray(int[] shape, ReadOnlySpan<float> values)
    {
        var t = new Tensor(new float[values.Length], shape);
        values.CopyTo(t.Data);
        return t;
    }

    /// <summary>The values-first form of <see cref="FromArray(int[], ReadOnlySpan{float})"/>, against the factories' order (shape, then values).</summary>
    [Obsolete("Pass the shape first, as every factory takes it: Tensor.FromArray(shape, values).")]
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape) => FromArray(shape, values);

    /// <summary>A 1-D tensor of <c>start, start+1, …</c> (<paramref name="count"/> values).</summary>
    public static Tensor Arange(int count, float start = 0)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = start + i;
        return new Tensor(data, count);
    }

    /// <summary>The <paramref name="n"/>×<paramref name="n"/> identity matrix.</summary>
    public static Tensor Eye(int n)
    {
        var data = new float[n * n];
        for (int i = 0; i < n; i++) data[i * n + i] = 1f;
        return new Tensor(data, n, n);
    }

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>) (arguments: generator, shape, values, as every factory).</summary>
    public static Tensor Uniform(Generator rng, int[] shape, float low = 0f, float high = 1f)
    {
        var t = Zeros(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = low + (high - low) * rng.NextFloat();
        return t;
    }

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Normal(Generator rng, int[] shape, float mean = 0f, float std = 1f)
    {
        var t = Zeros(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = (float)(mean + std * rng.NextNormal());
        return t;
    }

    /// <summary>Normal samples redrawn until they fall within two standard deviations of the mean (TensorFlow's truncated normal).</summary>
    public static Tensor TruncatedNormal(Generator rng, int[] shape, float mean = 0f, float std = 1f)
    {
        var t = Zeros(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++)
        {
            double z;
            do z = rng.NextNormal(); while (Math.Abs(z) > 2.0);
            d[i] = (float)(mean + std * z);
        }
        return t;
    }

    /// <summary>Glorot (Xavier) uniform samples for a weight of shape [fanIn, fanOut] (leading dims count as receptive field).</summary>
    public static Tensor GlorotUniform(Generator rng, params int[] shape)
    {
        if (shape.Length < 2) throw new ArgumentException($"GlorotUniform: needs rank ≥ 2, got shape {ShapeUtil.Format(shape)}");
        int receptive = ShapeUtil.SizeOf(shape.AsSpan(0, shape.Length - 2));
        float fanIn = shape[^2] * receptive, fanOut = shape[^1] * receptive;
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        return Uniform(rng, shape, -limit, limit);
    }
}
