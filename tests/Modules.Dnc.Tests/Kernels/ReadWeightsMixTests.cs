using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class ReadWeightsMixTests
{
    /// <summary>Link, previous read weights, content weights and softmax read modes of the given sizes.</summary>
    internal static Tensor[] RandomInputs(ulong seed, int b, int w, int r, int n)
    {
        var (link, _, _) = LinkUpdateTests.RandomState(seed, b, w, n);
        var rng = new Generator(seed + 100);
        var read = Tensor.Softmax(Tensor.Normal(rng, [b, r, n]), -1).Detach();
        var content = Tensor.Softmax(Tensor.Normal(rng, [b, r, n]), -1).Detach();
        var modes = Tensor.Softmax(Tensor.Normal(rng, [b, r, 2 * w + 1]), -1).Detach();
        return [link, read, content, modes];
    }

    [Theory]
    [InlineData(2, 2, 3, 5)]
    [InlineData(2, 1, 4, 16)]
    [InlineData(1, 3, 2, 19)]
    public void Forward_EqualsUnfusedComposition(int b, int w, int r, int n)
    {
        var x = RandomInputs(21, b, w, r, n);
        var fused = ReadWeightsMix.Apply(x[0], x[1], x[2], x[3]);
        Assert.Equal([b, r, n], fused.ShapeArray());
        FiniteDifference.AssertClose(UnfusedLinkage.ReadWeights(x[0], x[1], x[2], x[3]).ToArray(), fused.Values, 1e-5, 1e-7, "read weights");
    }

    [Fact]
    public void OneHotLinks_EachModeAlone_FollowsItsDirection()
    {
        // One write head, cells written in the order 2, 0, 3: L[0, 2] = L[3, 0] = 1. The read head sits on cell 0.
        int n = 4;
        var link = Tensor.Zeros(1, 1, n, n);
        link.Data[0 * n + 2] = 1f;
        link.Data[3 * n + 0] = 1f;
        var read = new Tensor([1f, 0f, 0f, 0f], 1, 1, n);
        var content = new Tensor([0.1f, 0.2f, 0.3f, 0.4f], 1, 1, n);
        Assert.Equal([0f, 0f, 1f, 0f], ReadWeightsMix.Apply(link, read, content, new Tensor([1f, 0f, 0f], 1, 1, 3)).ToArray());   // backward
        Assert.Equal([0f, 0f, 0f, 1f], ReadWeightsMix.Apply(link, read, content, new Tensor([0f, 1f, 0f], 1, 1, 3)).ToArray());   // forward
        Assert.Equal(content.ToArray(), ReadWeightsMix.Apply(link, read, content, new Tensor([0f, 0f, 1f], 1, 1, 3)).ToArray());  // content
        FiniteDifference.AssertClose([0.025f, 0.05f, 0.325f, 0.6f],
            ReadWeightsMix.Apply(link, read, content, new Tensor([0.25f, 0.5f, 0.25f], 1, 1, 3)).Values, 1e-6, 1e-7, "mixed");
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_TwoWriteHeads()
    {
        FiniteDifference.Check(x => ReadWeightsMix.Apply(x[0], x[1], x[2], x[3]), RandomInputs(22, 2, 2, 3, 5));
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_OneWriteHead()
    {
        FiniteDifference.Check(x => ReadWeightsMix.Apply(x[0], x[1], x[2], x[3]), RandomInputs(23, 2, 1, 3, 5));
    }

    [Fact]
    public void Gradients_ThroughLinkUpdateAndReads_MatchFiniteDifferences()
    {
        // The DNC's chain: previous link, precedence and write weights → new link → read weights.
        var (link, precedence, writes) = LinkUpdateTests.RandomState(24, 2, 2, 5);
        var x = RandomInputs(25, 2, 2, 3, 5);
        FiniteDifference.Check(t =>
        {
            var (l, _) = LinkUpdate.Apply(t[0], t[1], t[2]);
            return ReadWeightsMix.Apply(l, t[3], t[4], t[5]);
        }, [link, precedence, writes, x[1], x[2], x[3]]);
    }

    [Theory]
    [InlineData(2, 2, 3, 16)]
    [InlineData(3, 1, 4, 13)]
    public void Gradients_EqualTheUnfusedComposition(int b, int w, int r, int n)
    {
        var x = RandomInputs(26, b, w, r, n);
        var probe = Tensor.Uniform(new Generator(3), [b, r, n], -1, 1);
        Tensor[] Grads(Func<Tensor, Tensor, Tensor, Tensor, Tensor> mix)
        {
            var inputs = x.Select(t => t.Clone().RequireGrad()).ToArray();
            (mix(inputs[0], inputs[1], inputs[2], inputs[3]) * probe).Sum().Backward();
            return [.. inputs.Select(t => t.Grad!)];
        }
        var fused = Grads(ReadWeightsMix.Apply);
        var reference = Grads(UnfusedLinkage.ReadWeights);
        for (int i = 0; i < 4; i++) FiniteDifference.AssertClose(reference[i].ToArray(), fused[i].Values, 1e-4, 1e-6, $"input {i}");
    }

    [Fact]
    public void OnlyTheInputsThatNeedIt_GetGradients()
    {
        var x = RandomInputs(27, 1, 1, 2, 4);
        x[3].RequireGrad();
        ReadWeightsMix.Apply(x[0], x[1], x[2], x[3]).Sum().Backward();
        Assert.Null(x[0].Grad);
        Assert.Null(x[1].Grad);
        Assert.NotNull(x[3].Grad);
        // Σ_N of each mode's weights: the content and both directional reads of a softmax read have known sums here.
        Assert.Equal(1f, x[3].Grad!.At(0, 0, 2), 5);
    }

    [Fact]
    public void WrongShapes_AreRejected_NamingTheOp()
    {
        var x = RandomInputs(28, 2, 2, 3, 5);
        var e = Assert.Throws<ShapeMismatchException>(() => ReadWeightsMix.Apply(x[0], x[1], x[2], Tensor.Zeros(2, 3, 4)));
        Assert.Equal("ReadWeightsMix: read modes must be [2, 3, 5] ([B, R, 2W + 1]), got [2, 3, 4]", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => ReadWeightsMix.Apply(x[0], Tensor.Zeros(2, 3, 6), x[2], x[3]));
        Assert.Equal("ReadWeightsMix: previous read weights must be [2, ?, 5] ([B, R, N]), got [2, 3, 6]", e.Message);
        Assert.Equal([2, -1, 5], e.Expected);
    }
}
