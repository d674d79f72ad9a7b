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
