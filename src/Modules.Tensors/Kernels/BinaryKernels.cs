using System.Numerics.Tensors;

namespace Modules.Tensors;

/// <summary>An element-wise binary kernel over runs: vector–vector, vector–scalar and scalar–vector.</summary>
internal interface IBinaryKernel
{
    static abstract void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);
    static abstract void Run(ReadOnlySpan<float> x, float y, Span<float> d);
    static abstract void Run(float x, ReadOnlySpan<float> y, Span<float> d);
    static abstract float Run(float x, float y);
    /// <summary>d += x op y, element-wise, for equal-length runs.</summary>
    static abstract void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);
}

internal readonly struct AddKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
    public static float Run(float x, float y) => x + y;
    public static void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] += x[i] + y[i];
    }
}

internal readonly struct SubtractKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static float Run(float x, float y) => x - y;
    public static void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] += x[i] - y[i];
    }
}

internal readonly struct MultiplyKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
    public static float Run(float x, float y) => x * y;
    public static void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.FusedMultiplyAdd(x, y, d, d);
}

internal readonly struct DivideKernel : IBinaryKernel
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static float Run(float x, float y) => x / y;
    public static void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] += x[i] / y[i];
    }
}

