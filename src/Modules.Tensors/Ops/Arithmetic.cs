using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>Element-wise sum with NumPy broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var result = Broadcasting.Apply<AddKernel>("Add", a, b);
        return Records(a, b) ? RecordSum(result, "Add", a, b, 1f) : result;
    }

    /// <summary>Element-wise difference with NumPy broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b)
    {
        var result = Broadcasting.Apply<SubtractKernel>("Sub", a, b);
        return Records(a, b) ? RecordSum(result, "Sub", a, b, -1f) : result;
    }

    /// <summary>Element-wise product with NumPy broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b)
    {
        var result = Broadcasting.Apply<MultiplyKernel>("Mul", a, b);
        return Records(a, b) ? RecordMul(result, a, b) : result;
    }

    /// <summary>Element-wise quotient with NumPy broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b)
    {
        var result = Broadcasting.Apply<DivideKernel>("Div", a, b);
        return Records(a, b) ? RecordDiv(result, a, b) : result;
    }

    /// <summary>Whether an op on these inputs records a gradient (checked before any closure is built).</summary>
    private static bool Records(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && GradMode.Enabled;

    /// <summary>Whether an op on this input records a gradient.</summary>
    private static bool Records(Tensor a) => a.RequiresGrad && GradMode.Enabled;

    // Recorded only when Records(a, b) holds: the callers check it first.
    private static Tensor RecordSum(Tensor result, string op, Tensor a, Tensor b, float signB) =>
        result.AttachTo(new BinaryNode<float>(op, a, b, signB, static (a, b, g, signB) =>
        {
            AccumulateSumGrad(a, g, 1f);
            AccumulateSumGrad(b, g, signB);
        }));

    private static Tensor RecordMul(Tensor result, Tensor a, Tensor b) =>
        result.AttachTo(new BinaryNode<ValueTuple>("Mul", a, b, default, static (a, b, g, _) =>
        {
            AccumulateBinaryGrad<MultiplyKernel>(a, g, b);
            AccumulateBinaryGrad<MultiplyKernel>(b, g, a);
        }));

    private static Tensor RecordDiv(Tensor result, Tensor a, Tensor b) =>
        result.AttachTo(new BinaryNode<Tensor>("Div", a, b, result, static (a, b, g, result) =>
        {
            AccumulateBinaryGrad<DivideKernel>(a, g, b);
            if (b.RequiresGrad)
            {
                // d(a/b)/db = -(a/b)/b
                var quotient = Broadcasting.Apply<DivideKernel>("Div", Broadcasting.Apply<MultiplyKernel>("Div", g, result), b);
                b.AccumulateGrad((quotient, b.ShapeRef), static (s, t, acc) => Broadcasting.SumInto(s.quotient.Values, s.quotient.ShapeRef, t, s.Item2, -1f, acc));
            }
        }));

    /// <summary>input.Grad += sign · g summed down to the input's shape (the gradient of a broadcast sum or difference).</summary>
    private static void AccumulateSumGrad(Tensor input, Tensor g, float sign)
    {
        if (!input.RequiresGrad) return;
        if (sign == 1f && input.Shape.SequenceEqual(g.Shape)) { input.AccumulateGrad(g); return; } // passes through, may be shared
        input.AccumulateGrad((g, input.ShapeRef, sign), static (s, t, acc) => Broadcasting.SumInto(s.g.Values, s.g.ShapeRef, t, s.Item2, s.sign, acc));
    }

    /// <summary>input.Grad += (g ∘ other) summed down to the input's shape, for ∘ a broadcast binary kernel.</summary>
    private static void AccumulateBinaryGrad<TKernel>(Tensor input, Tensor g, Tensor other) where TKernel : IBinaryKernel
    {
        if (!input.RequiresGrad) return;
        if (input.Shape.SequenceEqual(g.Shape))
        {
            if (other.Shape.SequenceEqual(g.Shape))
                input.AccumulateGrad((g, other), static (s, t, acc) =>
                {
                    if (acc) TKernel.RunAccumulate(s.g.Values, s.other.Values, t);
                    else TKernel.Run(s.g.Values, s.other.Values, t);
                });
            else
                input.AccumulateGrad((g, other), static (s, t, acc) =>
                {
                    if (!acc) { Broadcasting.ApplyInto<TKernel>(s.g, s.other, t, s.g.ShapeRef); return; }
                    var product = Broadcasting.Apply<TKernel>("backward", s.g, s.other);
                    TensorPrimitives.Add(t, product.Values, t);
                });
            return;
        }
        var full = Broadcasting.Apply<TKernel>("backward", g, other);
        input.AccumulateGrad((full, input.ShapeRef), static (s, t, acc) => Broadcasting.SumInto(s.full.Values, s.full.ShapeRef, t, s.Item2, 1f, acc));
    }

    /// <summary>Element-wise negation.</summary>
    public static Tensor Neg(Tensor a)
    {
        var result = Uninitialized(a.shape);
        TensorPrimitives.Negate(a.Values, result.Data);
        return Records(a) ? RecordNeg(result, a) : result;
    }

    private static Tensor RecordNeg(Tensor result, Tensor a) =>
        result.WithGrad("Neg", a, default(ValueTuple), static (s, t, acc) =>
        {
            if (acc) TensorPrimitives.Subtract(t, s.Grad.Values, t);
            else TensorPrimitives.Negate(s.Grad.Values, t);
        });

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
    public static Tensor AddScalar(Tensor a, float c)
    {
        var result = Uninitialized(a.shape);
        TensorPrimitives.Add(a.Values, c, result.Data);
        return Records(a) ? result.WithGrad("AddScalar", a, g => a.AccumulateGrad(g)) : result;
    }

    /// <summary><paramref name="a"/> · <paramref name="c"/>, element-wise.</summary>
    public static Tensor Scale(Tensor a, float c)
    {
        var result = Uninitialized(a.shape);
        TensorPrimitives.Multiply(a.Values, c, result.Data);
        return Records(a) ? RecordScale(result, a, c) : result;
    }

    private static Tensor RecordScale(Tensor result, Tensor a, float c) =>
        result.WithGrad("Scale", a, c, static (s, t, acc) =>
        {
            if (acc) TensorPrimitives.MultiplyAdd(s.Grad.Values, s.State, t, t);
            else TensorPrimitives.Multiply(s.Grad.Values, s.State, t);
        });

    /// <summary>Applies a span kernel to a new result of the same shape (the kernel must write every element).</summary>
    internal static Tensor Map(Tensor a, SpanMap kernel)
    {
        var result = Uninitialized(a.shape);
        kernel(a.Values, result.Data);
        return result;
    }

    internal delegate void SpanMap(ReadOnlySpan<float> source, Span<float> destination);
}
