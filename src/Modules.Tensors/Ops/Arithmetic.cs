namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>Element-wise sum with NumPy broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) =>
        Broadcasting.Apply<AddKernel>("Add", a, b).WithGrad("Add", [a, b], g =>
        {
            a.AccumulateGrad(Broadcasting.SumTo(g, a.Shape));
            b.AccumulateGrad(Broadcasting.SumTo(g, b.Shape));
        });

    /// <summary>Element-wise difference with NumPy broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) =>
        Broadcasting.Apply<SubtractKernel>("Sub", a, b).WithGrad("Sub", [a, b], g =>
        {
            a.AccumulateGrad(Broadcasting.SumTo(g, a.Shape));
            if (b.RequiresGrad) b.AccumulateGrad(Broadcasting.SumTo(Neg(g), b.Shape));
        });

    /// <summary>Element-wise product with NumPy broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) =>
        Broadcasting.Apply<MultiplyKernel>("Mul", a, b).WithGrad("Mul", [a, b], g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Broadcasting.SumTo(Mul(g, b), a.Shape));
            if (b.RequiresGrad) b.AccumulateGrad(Broadcasting.SumTo(Mul(g, a), b.Shape));
        });

    /// <summary>Element-wise quotient with NumPy broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b)
    {
        var result = Broadcasting.Apply<DivideKernel>("Div", a, b);
        return result.WithGrad("Div", [a, b], g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Broadcasting.SumTo(Div(g, b), a.Shape));
            // d(a/b)/db = -(a/b)/b
            if (b.RequiresGrad) b.AccumulateGrad(Broadcasting.SumTo(Neg(Div(Mul(g, result), b)), b.Shape));
        });
    }

    /// <summary>Element-wise negation.</summary>
    public static Tensor Neg(Tensor a) => Map(a, static (x, d) => System.Numerics.Tensors.TensorPrimitives.Negate(x, d))
        .WithGrad("Neg", a, g => a.AccumulateGrad(Neg(g)));

    /// <inheritdoc cref="Add(Tensor, Tensor)"/>
    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    /// <inheritdoc cref="Sub(Tensor, Tensor)"/>
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    /// <inheritdoc cref="Mul(Tensor, Tensor)"/>
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    /// <inheritdoc cref="Div(Tensor, Tensor)"/>
    public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);
    /// <inheritdoc cref="Neg(Tensor)"/>
    public static Tensor operator -(Tensor a) => Neg(a);

    /// <summary>Adds a constant to every element.</summary>
    public static Tensor operator +(Tensor a, float c) => AddScalar(a, c);
    /// <summary>Adds a constant to every element.</summary>
    public static Tensor operator +(float c, Tensor a) => AddScalar(a, c);
    /// <summary>Subtracts a constant from every element.</summary>
    public static Tensor operator -(Tensor a, float c) => AddScalar(a, -c);
    /// <summary>Subtracts every element from a constant.</summary>
    public static Tensor operator -(float c, Tensor a) => AddScalar(Neg(a), c);
    /// <summary>Multiplies every element by a constant.</summary>
    public static Tensor operator *(Tensor a, float c) => Scale(a, c);
    /// <summary>Multiplies every element by a constant.</summary>
    public static Tensor operator *(float c, Tensor a) => Scale(a, c);
    /// <summary>Divides every element by a constant.</summary>
    public static Tensor operator /(Tensor a, float c) => Scale(a, 1f / c);
    /// <summary>Divides a constant by every element.</summary>
    public static Tensor operator /(float c, Tensor a) => Div(Full(a.ShapeArray(), c), a);

    /// <summary><paramref name="a"/> + <paramref name="c"/>, element-wise.</summary>
    public static Tensor AddScalar(Tensor a, float c) =>
        Map(a, (x, d) => System.Numerics.Tensors.TensorPrimitives.Add(x, c, d))
            .WithGrad("AddScalar", a, g => a.AccumulateGrad(g));

    /// <summary><paramref name="a"/> · <paramref name="c"/>, element-wise.</summary>
    public static Tensor Scale(Tensor a, float c) =>
        Map(a, (x, d) => System.Numerics.Tensors.TensorPrimitives.Multiply(x, c, d))
            .WithGrad("Scale", a, g => a.AccumulateGrad(Scale(g, c)));

    /// <summary>Applies a span kernel to a new result of the same shape.</summary>
    internal static Tensor Map(Tensor a, SpanMap kernel)
    {
        var result = Empty(a.ShapeArray());
        kernel(a.Values, result.Data);
        return result;
    }

    internal delegate void SpanMap(ReadOnlySpan<float> source, Span<float> destination);
}
