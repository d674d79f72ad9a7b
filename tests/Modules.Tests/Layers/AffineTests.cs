using Modules.Tensors;
using Modules.Tensors.Tests;

namespace Modules.Tests.Layers;

public class AffineTests
{
    /// <summary>The composition <see cref="Affine.Apply"/> replaces: a matrix product and a broadcast bias add.</summary>
    private static Tensor Unfused(Tensor x, Tensor w, Tensor b) => x.MatMul(w) + b;

    [Fact]
    public void ApplyIsHandComputedProductPlusBias()
    {
        // x = [[1, 0, −1], [2, 1, 0]], w = [[1, 2], [3, 4], [5, 6]], b = [0.5, −1] → [[−3.5, −5], [5.5, 7]].
        var y = Affine.Apply(new Tensor([1f, 0f, -1f, 2f, 1f, 0f], 2, 3), new Tensor([1f, 2f, 3f, 4f, 5f, 6f], 3, 2), new Tensor([0.5f, -1f], 2));
        Assert.Equal([2, 2], y.ShapeArray());
        Assert.Equal([-3.5f, -5f, 5.5f, 7f], y.ToArray());
    }

    [Fact]
    public void ApplyMatchesTheUnfusedCompositionInValuesAndGradients()
    {
        var inputs = FusedOpChecks.RandomInputs(1, [5, 4], [4, 3], [3]);
        FusedOpChecks.AssertSameAsReference(t => [Affine.Apply(t[0], t[1], t[2])], t => [Unfused(t[0], t[1], t[2])], inputs);
    }

    [Fact]
    public void ApplyFoldsLeadingDimensionsLikeTheUnfusedComposition()
    {
        var inputs = FusedOpChecks.RandomInputs(2, [3, 2, 4], [4, 5], [5]);
        FusedOpChecks.AssertSameAsReference(t => [Affine.Apply(t[0], t[1], t[2])], t => [Unfused(t[0], t[1], t[2])], inputs);
    }

    [Fact]
    public void ApplyGradientsMatchFiniteDifferences()
    {
        GradCheck.Assert(t => Affine.Apply(t[0], t[1], t[2]), FusedOpChecks.RandomInputs(3, [3, 4], [4, 2], [2]));
        GradCheck.Assert(t => Affine.Apply(t[0], t[1], t[2]), FusedOpChecks.RandomInputs(4, [2, 3, 4], [4, 2], [2]));
    }

    [Fact]
    public void ApplyWithoutInputFeaturesGivesTheBiasPerRow()
    {
        var y = Affine.Apply(Tensor.Zeros(2, 3, 0), Tensor.Zeros(0, 2), new Tensor([0.5f, -1f], 2));
        Assert.Equal([2, 3, 2], y.ShapeArray());
        Assert.Equal([0.5f, -1f, 0.5f, -1f, 0.5f, -1f, 0.5f, -1f, 0.5f, -1f, 0.5f, -1f], y.ToArray());
    }

    [Fact]
    public void ApplyRejectsMismatchedShapesNamingThem()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Affine.Apply(Tensor.Zeros(2, 3), Tensor.Zeros(4, 2), Tensor.Zeros(2)));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 2]", e.Message);
        var bias = Assert.Throws<ShapeMismatchException>(() => Affine.Apply(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2), Tensor.Zeros(3)));
        Assert.Contains("[2]", bias.Message);
    }

    private static readonly int[][] HeadShapes = [[2, 2], [3], [1, 1]];

    /// <summary>x [B, 3], then per head w [3, out_k] and b [out_k] for the head shapes above.</summary>
    private static Tensor[] HeadInputs(ulong seed, int batch) =>
        FusedOpChecks.RandomInputs(seed, [batch, 3], [3, 4], [3, 3], [3, 1], [4], [3], [1]);

    private static Tensor[] FusedHeads(Tensor[] t) => Affine.ApplyHeads(t[0], [t[1], t[2], t[3]], [t[4], t[5], t[6]], HeadShapes);

    private static Tensor[] SeparateHeads(Tensor[] t)
    {
        int batch = t[0].Dim(0);
        return Enumerable.Range(0, 3).Select(k => Unfused(t[0], t[1 + k], t[4 + k]).Reshape([batch, .. HeadShapes[k]])).ToArray();
    }

    [Fact]
    public void ApplyHeadsMatchesOneLinearPerHeadInValuesAndGradients()
    {
        var inputs = HeadInputs(5, batch: 4);
        FusedOpChecks.AssertSameAsReference(FusedHeads, SeparateHeads, inputs);
        var outputs = FusedHeads(inputs);
        Assert.Equal([4, 2, 2], outputs[0].ShapeArray());
        Assert.Equal([4, 3], outputs[1].ShapeArray());
        Assert.Equal([4, 1, 1], outputs[2].ShapeArray());
    }

    [Fact]
    public void ApplyHeadsGradientsMatchFiniteDifferences()
    {
        GradCheck.Assert(t => Tensor.Concat(1, FusedHeads(t).Select(o => o.Reshape(o.Dim(0), -1)).ToArray()), HeadInputs(6, batch: 3));
    }

    [Fact]
    public void ApplyHeadsLeavesUnusedHeadsWithoutGradient()
    {
        // Only head 1 enters the loss: head 0's weight gets no gradient (or zeros), the input only head 1's part.
        var inputs = HeadInputs(7, batch: 2).Select(x => x.RequireGrad()).ToArray();
        FusedHeads(inputs)[1].Sum().Backward();
        Assert.True(inputs[1].Grad is null || inputs[1].Grad!.ToArray().All(v => v == 0f));
        var expected = new float[6];
        var w1 = inputs[2];
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < 3; i++)
                expected[r * 3 + i] = w1.At(i, 0) + w1.At(i, 1) + w1.At(i, 2);
        FusedOpChecks.AssertClose(expected, inputs[0].Grad!.ToArray(), 1e-6f, "dx");
    }
}

public class AffineConcatTests
{
    /// <summary>The composition <see cref="Affine.ApplyConcat"/> replaces: flatten, concatenate, product, bias, clamp.</summary>
    private static Tensor Unfused(Tensor a, Tensor b3, Tensor w, Tensor b, float clip)
    {
        int batch = a.Dim(0);
        var y = Tensor.Concat(-1, a.Reshape(batch, -1), b3.Reshape(batch, -1)).MatMul(w) + b;
        return clip > 0 ? Tensor.Clamp(y, -clip, clip) : y;
    }

    /// <summary>a [B, 2], b [B, 2, 3] (flattened to 6), w [8, 5] scaled up so that some outputs exceed the clip, bias [5].</summary>
    private static Tensor[] Inputs(ulong seed, int batch)
    {
        var t = FusedOpChecks.RandomInputs(seed, [batch, 2], [batch, 2, 3], [8, 5], [5]);
        t[2] = t[2] * 2f;
        return t;
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.8f)]
    public void MatchesTheUnfusedCompositionInValuesAndGradients(float clip)
    {
        var inputs = Inputs(1, batch: 4);
        FusedOpChecks.AssertSameAsReference(t => [Affine.ApplyConcat([t[0], t[1]], t[2], t[3], clip)],
            t => [Unfused(t[0], t[1], t[2], t[3], clip)], inputs);
        if (clip > 0)
        {
            var y = Unfused(inputs[0], inputs[1], inputs[2], inputs[3], 0f).ToArray();
            Assert.Contains(y, v => Math.Abs(v) > clip);   // the clip is exercised
            Assert.Contains(y, v => Math.Abs(v) < clip);
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        GradCheck.Assert(t => Affine.ApplyConcat([t[0], t[1]], t[2], t[3]), Inputs(2, batch: 3));
    }

    [Fact]
    public void LinearForwardConcatUsesTheLayersParameters()
    {
        var linear = new Linear(5);
        var inputs = Inputs(3, batch: 2);
        var joined = Tensor.Concat(-1, inputs[0], inputs[1].Reshape(2, -1));
        var expected = Tensor.Clamp(linear.Forward(joined), -0.5f, 0.5f).ToArray();
        FusedOpChecks.AssertClose(expected, linear.ForwardConcat([inputs[0], inputs[1]], 0.5f).ToArray(), 1e-6f, "output");
        var e = Assert.Throws<ShapeMismatchException>(() => linear.ForwardConcat([inputs[0]]));
        Assert.Contains("linear", e.Message);
        Assert.Contains("8", e.Message);
    }
}

public class FlatConcatTests
{
    [Fact]
    public void MatchesReshapeAndConcatInValuesAndGradients()
    {
        var inputs = FusedOpChecks.RandomInputs(1, [3, 2], [3, 2, 2], [3]);
        FusedOpChecks.AssertSameAsReference(t => [FlatConcat.Rows(t)],
            t => [Tensor.Concat(-1, t[0], t[1].Reshape(3, -1), t[2].Reshape(3, 1))], inputs);
        Assert.Equal([3, 7], FlatConcat.Rows(inputs).ShapeArray());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        GradCheck.Assert(t => FlatConcat.Rows(t), FusedOpChecks.RandomInputs(2, [2, 3], [2, 1, 2]));
    }

    [Fact]
    public void RejectsDifferentBatchSizes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => FlatConcat.Rows(Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)));
        Assert.Contains("[3, 3]", e.Message);
    }
}
