using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class CustomOpTests
{
    /// <summary>x·y + x with a hand-written backward: dx = g·(y + 1), dy = g·x.</summary>
    private static Tensor FusedMulAdd(Tensor x, Tensor y)
    {
        Tensor output;
        using (Tensor.NoGrad()) output = x * y + x;
        return Tensor.Custom("FusedMulAdd", output, [x, y], g => [g * (y + 1f), g * x]);
    }

    [Fact]
    public void SingleOutput_GradientsMatchFiniteDifferences()
    {
        var g = new Generator(3);
        GradCheck.Assert(t => FusedMulAdd(t[0], t[1]), [Tensor.Uniform(g, [3, 4], -1f, 1f), Tensor.Uniform(g, [3, 4], -1f, 1f)]);
    }

    [Fact]
    public void SingleOutput_HandComputedGradient()
    {
        var x = new Tensor([2f, -1f], 2).RequireGrad();
        var y = new Tensor([3f, 5f], 2);
        var z = FusedMulAdd(x, y);
        Assert.Equal(new[] { 8f, -6f }, z.ToArray());
        z.Sum().Backward();
        Assert.Equal(new[] { 4f, 6f }, x.Grad!.ToArray()); // y + 1
        Assert.Null(y.Grad);
    }

    /// <summary>(a + b, a·b) as one op with two outputs.</summary>
    private static (Tensor Sum, Tensor Product) SumAndProduct(Tensor a, Tensor b)
    {
        Tensor sum, product;
        using (Tensor.NoGrad()) { sum = a + b; product = a * b; }
        var outputs = Tensor.Custom("SumAndProduct", [sum, product], [a, b], grads =>
        {
            var gs = grads[0] ?? Tensor.Zeros(a.ShapeArray());
            var gp = grads[1] ?? Tensor.Zeros(a.ShapeArray());
            return [gs + gp * b, gs + gp * a];
        });
        return (outputs[0], outputs[1]);
    }

    [Fact]
    public void TwoOutputs_BothUsed_GradientsMatchFiniteDifferences()
    {
        var g = new Generator(5);
        GradCheck.Assert(t =>
        {
            var (s, p) = SumAndProduct(t[0], t[1]);
            return Tensor.Sigmoid(s) * p + p; // p reaches the loss twice, s once
        }, [Tensor.Uniform(g, [2, 3], -1f, 1f), Tensor.Uniform(g, [2, 3], -1f, 1f)]);
    }

    [Fact]
    public void TwoOutputs_OnlyOneUsed_TheOtherGradientIsNullAndBackwardRunsOnce()
    {
        var a = new Tensor([1f, 2f], 2).RequireGrad();
        var b = new Tensor([3f, 4f], 2).RequireGrad();
        int calls = 0;
        Tensor sum, product;
        using (Tensor.NoGrad()) { sum = a + b; product = a * b; }
        var outputs = Tensor.Custom("SumAndProduct", [sum, product], [a, b], grads =>
        {
            calls++;
            Assert.Null(grads[0]);
            return [grads[1]! * b, grads[1]! * a];
        });
        (outputs[1] * 2f).Sum().Backward();
        Assert.Equal(1, calls);
        Assert.Equal(new[] { 6f, 8f }, a.Grad!.ToArray());
        Assert.Equal(new[] { 2f, 4f }, b.Grad!.ToArray());
    }

    [Fact]
    public void AGradientParkedByAPassThatFailedIsNotUsedByTheNextPass()
    {
        // y1 and y2 come from one two-output op; y1's gradient is parked, then the pass fails in w's backward before the
        // op's own backward ran, and the arena takes back the array the gradients were parked in. The next pass reaches
        // only y2: a's gradient must be y2's alone (10 per element, not 11 with a stale y1 gradient), and the parked
        // gradients must be in an array of this pass, not the one the arena has since handed to someone else (probe).
        var a = new Tensor([1f, 2f], 2).RequireGrad();
        Tensor c1, c2;
        using (Tensor.NoGrad()) { c1 = a * 1f; c2 = a * 1f; }
        var y = Tensor.Custom("Pair", [c1, c2], [a], grads =>
        {
            var probe = Tensor.GradientSlots(2);
            Assert.NotSame(grads, probe);
            Assert.All(probe, Assert.Null);
            var da = Tensor.BackwardBuffer(2);
            if (grads[0] is { } g1) System.Numerics.Tensors.TensorPrimitives.Add(da.Values, g1.Values, da.Data);
            if (grads[1] is { } g2) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(g2.Values, 10f, da.Values, da.Data);
            return [da];
        });
        bool fail = true;
        Tensor copy;
        using (Tensor.NoGrad()) copy = y[1] * 1f;
        var w = Tensor.Custom("FailOnce", copy, [y[1]], g => fail ? throw new InvalidOperationException("once") : [g]);
        Assert.Throws<InvalidOperationException>(() => (w + y[0]).Sum().Backward());
        Assert.Null(a.Grad);

        fail = false;
        w.Sum().Backward();
        Assert.Equal(new[] { 10f, 10f }, a.Grad!.ToArray());
    }

    [Fact]
    public void WithoutInputsRequiringGrad_NothingIsRecorded()
    {
        var x = new Tensor([1f], 1);
        var z = FusedMulAdd(x, x);
        Assert.True(z.IsLeaf);
        Assert.False(z.RequiresGrad);
    }

    [Fact]
    public void ABackwardReturningTheWrongShape_NamesTheOpAndBothShapes()
    {
        var x = new Tensor([1f, 2f], 2).RequireGrad();
        var z = Tensor.Custom("Broken", x.Clone(), [x], g => [Tensor.Zeros(3)]);
        var e = Assert.Throws<InvalidOperationException>(() => z.Sum().Backward());
        Assert.Equal("Broken: backward returned a gradient of shape [3] for input 0 of shape [2]", e.Message);
    }
    /// <summary>The internal overloads with a state and a static backward: s·x·y with s in the state (dx = s·g·y, dy = s·g·x), and
    /// (s·(a + b), a·b) with two outputs (da = s·g₀ + g₁·b, db = s·g₀ + g₁·a); hand-computed.</summary>
    [Fact]
    public void StateOverloads_HandComputedGradients()
    {
        var x = new Tensor([2f, -1f], 2).RequireGrad();
        var y = new Tensor([3f, 5f], 2).RequireGrad();
        Tensor scaled;
        using (Tensor.NoGrad()) scaled = x * y * 2f;
        var z = Tensor.Custom("ScaledProduct", scaled, [x, y], 2f,
            static (inputs, s, g) => Tensor.GradientSlots(g * inputs[1] * s, g * inputs[0] * s));
        Assert.Same(scaled, z);
        (z * new Tensor([1f, 10f], 2)).Sum().Backward();
        Assert.Equal(new[] { 6f, 100f }, x.Grad!.ToArray());    // 2·g·y
        Assert.Equal(new[] { 4f, -20f }, y.Grad!.ToArray());    // 2·g·x

        var a = new Tensor([1f, 4f], 2).RequireGrad();
        var b = new Tensor([-2f, 3f], 2).RequireGrad();
        Tensor sum, product;
        using (Tensor.NoGrad()) { sum = (a + b) * 3f; product = a * b; }
        Tensor.Custom("ScaledSumAndProduct", [sum, product], [a, b], 3f, static (inputs, s, grads) =>
            Tensor.GradientSlots(grads[0]! * s + grads[1]! * inputs[1], grads[0]! * s + grads[1]! * inputs[0]));
        (sum.Sum() + (product * 2f).Sum()).Backward();
        Assert.Equal(new[] { -1f, 9f }, a.Grad!.ToArray());     // 3 + 2·b
        Assert.Equal(new[] { 5f, 11f }, b.Grad!.ToArray());     // 3 + 2·a
    }

    /// <summary>The outputs of a multi-output op keep no name of their own; an error of the op's backward still names the op.</summary>
    [Fact]
    public void AMultiOutputBackwardReturningTheWrongCount_NamesTheOp()
    {
        var x = new Tensor([1f, 2f], 2).RequireGrad();
        var outputs = Tensor.Custom("BrokenPair", [x.Clone(), x.Clone()], [x], grads => [null, null]);
        var e = Assert.Throws<InvalidOperationException>(() => (outputs[0] + outputs[1]).Sum().Backward());
        Assert.Equal("BrokenPair: backward returned 2 gradients for 1 inputs", e.Message);
    }
}
