using Modules.Tensors;

namespace Modules.Tensors.Tests;

/// <summary><see cref="Tensor.AccumulateMatMulGrad"/>: a custom op's weight gradient written straight into the weight's buffer.</summary>
public class MatMulGradientTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Generator(seed), shape, -1f, 1f);

    /// <summary>x·w as a custom op whose backward returns dx and puts dw into w's gradient in place.</summary>
    private static Tensor Linear(Tensor x, Tensor w)
    {
        Tensor product;
        using (Tensor.NoGrad()) product = Tensor.MatMul(x, w);
        return Tensor.Custom("TestLinear", product, [x, w], g =>
        {
            Tensor.AccumulateMatMulGrad(w, x, g, transposeA: true);
            return [x.RequiresGrad ? Tensor.MatMul(g, w, transposeB: true) : null, null];
        });
    }

    [Fact]
    public void GradientsMatchFiniteDifferences_WithTheWeightUsedAtThreeSteps()
    {
        GradCheck.Assert(v =>
        {
            var h = v[0];
            for (int t = 0; t < 3; t++) h = Tensor.Tanh(Linear(h, v[1]));
            return h;
        }, [R(1, 2, 3), R(2, 3, 3)]);
    }

    [Fact]
    public void LeadingDimsFoldIntoRows_AndATransposedRightFactorWorks()
    {
        // x [2, 3, 4] as 6 rows: dw = xᵀ·g; and the same product with g stored transposed.
        var x = R(3, 2, 3, 4); var g = R(4, 6, 5);
        var expected = Tensor.MatMul(x.Reshape(6, 4), g, transposeA: true).ToArray();
        var w = Tensor.Zeros(4, 5).RequireGrad();
        Tensor.AccumulateMatMulGrad(w, x, g, transposeA: true);
        Assert.Equal(expected, w.Grad!.ToArray());

        var v = Tensor.Zeros(4, 5).RequireGrad();
        var gT = g.Transpose();
        Tensor.AccumulateMatMulGrad(v, x, gT, transposeA: true, transposeB: true);
        Assert.Equal(expected, v.Grad!.ToArray());
    }

    [Fact]
    public void AddsToAGradSetByTheUserWithoutChangingIt_ThenInPlace()
    {
        var x = R(5, 3, 4); var g = R(6, 3, 2);
        var product = Tensor.MatMul(x, g, transposeA: true).ToArray();
        var w = Tensor.Zeros(4, 2).RequireGrad();
        var user = Tensor.Full([4, 2], 1f);
        w.Grad = user;
        Tensor.AccumulateMatMulGrad(w, x, g, transposeA: true);
        Assert.All(user.ToArray(), v => Assert.Equal(1f, v));
        var owned = w.Grad!;
        var once = Array.ConvertAll(product, p => 1f + p);
        var first = owned.ToArray();
        for (int i = 0; i < first.Length; i++) Assert.Equal(once[i], first[i], 5); // the GEMM adds in its own order
        Tensor.AccumulateMatMulGrad(w, x, g, transposeA: true);
        Assert.Same(owned, w.Grad);
        var twice = Array.ConvertAll(product, p => 1f + p + p);
        var got = w.Grad!.ToArray();
        for (int i = 0; i < got.Length; i++) Assert.Equal(twice[i], got[i], 5);
    }

    [Fact]
    public void UnderACapture_TheGradientGoesToTheCapture()
    {
        var x = R(7, 3, 4); var w = R(8, 4, 2).RequireGrad();
        Linear(x, w).Sum().Backward();
        var plain = w.Grad!.ToArray();
        w.Grad = null;
        var capture = new GradientCapture();
        using (Tensor.CaptureGradients(capture)) Linear(x, w).Sum().Backward();
        Assert.Null(w.Grad);
        Assert.Equal(plain, capture[w]!.ToArray());
    }

    [Fact]
    public void DoesNothingForAnInputWithoutGradient_AndNamesShapesOnMismatch()
    {
        var w = Tensor.Zeros(4, 2);
        Tensor.AccumulateMatMulGrad(w, R(9, 3, 4), R(10, 3, 2), transposeA: true);
        Assert.Null(w.Grad);
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.AccumulateMatMulGrad(Tensor.Zeros(4, 3).RequireGrad(), R(11, 3, 4), R(12, 3, 2), transposeA: true));
        Assert.Contains("AccumulateMatMulGrad", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Tensor.AccumulateMatMulGrad(Tensor.Zeros(4, 2).RequireGrad(), R(13, 3, 4), R(14, 5, 2), transposeA: true));
    }
}
