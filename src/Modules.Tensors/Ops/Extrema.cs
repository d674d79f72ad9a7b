using System.Numerics.Tensors;

namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The larger of two tensors, element-wise with NumPy broadcasting. The gradient goes to <paramref name="a"/>
    /// where a ≥ b (ties included) and to <paramref name="b"/> elsewhere, summed back over broadcast dims.
    /// </summary>
    public static Tensor Maximum(Tensor a, Tensor b) =>
        Broadcasting.Apply<MaxKernel>("Maximum", a, b).WithGrad("Maximum", [a, b], g => RouteByComparison(g, a, b, preferA: static (x, y) => x >= y));

    /// <summary>
    /// The smaller of two tensors, element-wise with NumPy broadcasting. The gradient goes to <paramref name="a"/>
    /// where a ≤ b (ties included) and to <paramref name="b"/> elsewhere, summed back over broadcast dims.
    /// </summary>
    public static Tensor Minimum(Tensor a, Tensor b) =>
        Broadcasting.Apply<MinKernel>("Minimum", a, b).WithGrad("Minimum", [a, b], g => RouteByComparison(g, a, b, preferA: static (x, y) => x <= y));

    /// <summary>Sends each element of <paramref name="g"/> to a or b depending on which one the forward pass chose.</summary>
    private static void RouteByComparison(Tensor g, Tensor a, Tensor b, Func<float, float, bool> preferA)
    {
        var shape = g.ShapeArray();
        var av = BroadcastValues(a, shape); var bv = BroadcastValues(b, shape); var gv = g.Values;
        var da = Empty(shape); var db = Empty(shape);
        var dA = da.Data; var dB = db.Data;
        for (int i = 0; i < gv.Length; i++)
        {
            if (preferA(av[i], bv[i])) dA[i] = gv[i];
            else dB[i] = gv[i];
        }
        if (a.RequiresGrad) a.AccumulateGrad(Broadcasting.SumTo(da, a.Shape));
        if (b.RequiresGrad) b.AccumulateGrad(Broadcasting.SumTo(db, b.Shape));
    }

    private readonly struct MaxKernel : IBinaryKernel
    {
        public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(x, y, d);
        public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Max(x, y, d);
        public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(y, x, d);
        public static float Run(float x, float y) => MathF.Max(x, y);
        public static void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] += MathF.Max(x[i], y[i]);
        }
    }

    private readonly struct MinKernel : IBinaryKernel
    {
        public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(x, y, d);
        public static void Run(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Min(x, y, d);
        public static void Run(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(y, x, d);
        public static float Run(float x, float y) => MathF.Min(x, y);
        public static void RunAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] += MathF.Min(x[i], y[i]);
        }
    }
}
