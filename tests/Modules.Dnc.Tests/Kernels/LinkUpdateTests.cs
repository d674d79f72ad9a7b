using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

public class LinkUpdateTests
{
    /// <summary>A link, precedence and write weights as the DNC produces them: entries in [0, 1), write weights summing to less than 1.</summary>
    internal static (Tensor Link, Tensor Precedence, Tensor Writes) RandomState(ulong seed, int b, int w, int n)
    {
        var rng = new Generator(seed);
        var link = UnfusedLinkage.Link(Tensor.Uniform(rng, [b, w, n, n], 0, 1f / n), Tensor.Zeros(b, w, n), Tensor.Zeros(b, w, n)).Detach();
        var precedence = Tensor.Uniform(rng, [b, w, n], 0, 1f / n);
        var raw = Tensor.Uniform(rng, [b, w, n]);
        var writes = (raw / (raw.Sum(-1, keepDim: true) * 1.25f)).Detach();
        return (link, precedence, writes);
    }

    [Theory]
    [InlineData(2, 2, 5)]
    [InlineData(1, 1, 16)]
    [InlineData(3, 2, 19)]
    public void Forward_EqualsUnfusedComposition_BitForBit(int b, int w, int n)
    {
        var (link, precedence, writes) = RandomState(3, b, w, n);
        var (fusedLink, fusedPrecedence) = LinkUpdate.Apply(link, precedence, writes);
        Assert.Equal([b, w, n, n], fusedLink.ShapeArray());
        Assert.Equal([b, w, n], fusedPrecedence.ShapeArray());
        Assert.Equal(UnfusedLinkage.Link(link, precedence, writes).ToArray(), fusedLink.ToArray());
        Assert.Equal(UnfusedLinkage.Precedence(precedence, writes).ToArray(), fusedPrecedence.ToArray());
    }

    [Fact]
    public void HandComputedStep_TwoCells()
    {
        // L = [[0, 0.2], [0.4, 0]], p = [0.5, 0.1], w = [0.3, 0.6]:
        // L01 = (1 − 0.3 − 0.6)·0.2 + 0.3·0.1 = 0.05, L10 = (1 − 0.6 − 0.3)·0.4 + 0.6·0.5 = 0.34, p = 0.1·p + w.
        var (link, precedence) = LinkUpdate.Apply(new Tensor([0f, 0.2f, 0.4f, 0f], 1, 1, 2, 2), new Tensor([0.5f, 0.1f], 1, 1, 2),
            new Tensor([0.3f, 0.6f], 1, 1, 2));
        FiniteDifference.AssertClose([0f, 0.05f, 0.34f, 0f], link.Values, 1e-6, 1e-7, "link");
        FiniteDifference.AssertClose([0.35f, 0.61f], precedence.Values, 1e-6, 1e-7, "precedence");
    }

    [Fact]
    public void Gradients_OfBothOutputs_MatchFiniteDifferences()
    {
        int b = 2, w = 2, n = 5;
        var (link, precedence, writes) = RandomState(5, b, w, n);
        FiniteDifference.Check(x =>
        {
            var (l, p) = LinkUpdate.Apply(x[0], x[1], x[2]);
            return Tensor.Concat(-1, l.Reshape(b, w, n * n), p);
        }, [link, precedence, writes]);
    }

    [Fact]
    public void Gradients_OfTheLinkAlone_AndOfThePrecedenceAlone_MatchFiniteDifferences()
    {
        var (link, precedence, writes) = RandomState(6, 2, 2, 5);
        FiniteDifference.Check(x => LinkUpdate.Apply(x[0], x[1], x[2]).Link, [link, precedence, writes]);
        var (link2, precedence2, writes2) = RandomState(7, 2, 2, 5);
        FiniteDifference.Check(x => LinkUpdate.Apply(x[0], x[1], x[2]).Precedence, [link2, precedence2, writes2]);
    }

    [Fact]
    public void Gradients_OverTwoChainedSteps_MatchFiniteDifferences()
    {
        // The new link feeds the next step: the gradient of L_t flows back through the second update.
        var (link, precedence, writes) = RandomState(8, 2, 2, 5);
        var (_, _, nextWrites) = RandomState(9, 2, 2, 5);
        FiniteDifference.Check(x =>
        {
            var (l1, p1) = LinkUpdate.Apply(x[0], x[1], x[2]);
            var (l2, p2) = LinkUpdate.Apply(l1, p1, x[3]);
            return Tensor.Concat(-1, l2.Reshape(2, 2, 25), p2, l1.Reshape(2, 2, 25));
        }, [link, precedence, writes, nextWrites]);
    }

    [Theory]
    [InlineData(2, 2, 16)]
    [InlineData(2, 1, 21)]
    public void Gradients_EqualTheUnfusedCompositions(int b, int w, int n)
    {
        var (link, precedence, writes) = RandomState(10, b, w, n);
        var probeLink = Tensor.Uniform(new Generator(1), [b, w, n, n], -1, 1);
        var probePrecedence = Tensor.Uniform(new Generator(2), [b, w, n], -1, 1);
        Tensor[] Grads(Func<Tensor, Tensor, Tensor, (Tensor, Tensor)> update)
        {
            var inputs = new[] { link.Clone().RequireGrad(), precedence.Clone().RequireGrad(), writes.Clone().RequireGrad() };
            var (l, p) = update(inputs[0], inputs[1], inputs[2]);
            ((l * probeLink).Sum() + (p * probePrecedence).Sum()).Backward();
            return [.. inputs.Select(t => t.Grad!)];
        }
        var fused = Grads(LinkUpdate.Apply);
        var reference = Grads((l, p, x) => (UnfusedLinkage.Link(l, p, x), UnfusedLinkage.Precedence(p, x)));
        for (int i = 0; i < 3; i++) FiniteDifference.AssertClose(reference[i].ToArray(), fused[i].Values, 1e-5, 1e-6, $"input {i}");
    }

    [Fact]
    public void Gradients_WhenOnlyOneInputNeedsThem_EqualThoseOfTheFullComputation()
    {
        var (link, precedence, writes) = RandomState(12, 2, 2, 9);
        var probeLink = Tensor.Uniform(new Generator(4), [2, 2, 9, 9], -1, 1);
        var probePrecedence = Tensor.Uniform(new Generator(5), [2, 2, 9], -1, 1);
        Tensor?[] Grads(bool[] wanted)
        {
            var inputs = new[] { link.Clone(), precedence.Clone(), writes.Clone() };
            for (int i = 0; i < 3; i++) inputs[i].RequireGrad(wanted[i]);
            var (l, p) = LinkUpdate.Apply(inputs[0], inputs[1], inputs[2]);
            ((l * probeLink).Sum() + (p * probePrecedence).Sum()).Backward();
            return [.. inputs.Select(t => t.Grad)];
        }
        var all = Grads([true, true, true]);
        for (int i = 0; i < 3; i++)
        {
            var one = Grads([i == 0, i == 1, i == 2]);
            Assert.Equal(all[i]!.ToArray(), one[i]!.ToArray());
        }
    }

    [Fact]
    public void NoGrad_RecordsNothing()
    {
        var (link, precedence, writes) = RandomState(11, 1, 1, 4);
        writes.RequireGrad();
        using (Tensor.NoGrad())
        {
            var (l, p) = LinkUpdate.Apply(link, precedence, writes);
            Assert.False(l.RequiresGrad);
            Assert.False(p.RequiresGrad);
        }
        Assert.True(LinkUpdate.Apply(link, precedence, writes).Link.RequiresGrad);
    }

    [Fact]
    public void WrongShapes_AreRejected_NamingTheOp()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => LinkUpdate.Apply(Tensor.Zeros(2, 1, 4, 5), Tensor.Zeros(2, 1, 4), Tensor.Zeros(2, 1, 4)));
        Assert.Equal("LinkUpdate: previous link must be [2, 1, 4, 4] ([B, W, N, N]), got [2, 1, 4, 5]", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => LinkUpdate.Apply(Tensor.Zeros(2, 1, 4, 4), Tensor.Zeros(2, 2, 4), Tensor.Zeros(2, 1, 4)));
        Assert.Equal("LinkUpdate: previous precedence must be [2, 1, 4] (the write weights' shape, [B, W, N]), got [2, 2, 4]", e.Message);
    }
}
