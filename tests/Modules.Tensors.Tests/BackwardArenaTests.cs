namespace Modules.Tensors.Tests;

/// <summary>
/// The backward pass's arena reuses gradient buffers across passes. Property checked: whatever a caller can hold after
/// <see cref="Tensor.Backward()"/> (forward results, the loss, leaf gradients, captured gradients, gradients a backward
/// function returned through <see cref="Tensor.BackwardBuffer"/>) keeps its values bit for bit while later passes of
/// the same shapes reuse the arena's buffers with other values; and warm passes really do reuse them (no new buffers),
/// so the check is not vacuous.
/// </summary>
public class BackwardArenaTests
{
    /// <summary>A small graph of element-wise ops, broadcasting, a product and a custom op, like a network's step.</summary>
    private static (Tensor X, Tensor W, Tensor Hidden, Tensor Output, Tensor Loss) Step(ulong seed)
    {
        var g = new Generator(seed);
        var x = Random(g, 4, 6).RequireGrad();
        var w = Random(g, 6, 5).RequireGrad();
        var bias = Random(g, 5).RequireGrad();
        var hidden = Tensor.Tanh(Tensor.MatMul(x, w) + bias);                 // [4, 5]
        var doubled = Tensor.Custom("Double", Tensor.FromArray([4, 5], (hidden * 2f).Values), [hidden], grad =>
        {
            var d = Tensor.BackwardBuffer(4, 5);
            System.Numerics.Tensors.TensorPrimitives.Multiply(grad.Values, 2f, d.Data);
            return [d];
        });
        var output = Tensor.Sigmoid(doubled) * hidden - hidden.Sum(1, keepDim: true);
        var loss = (output * output).Sum();
        return (x, w, hidden, output, loss);
    }

    /// <summary>Uniform values in [−1, 1) drawn in order from <paramref name="g"/>.</summary>
    private static Tensor Random(Generator g, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = 2f * g.NextFloat() - 1f;
        return t;
    }

    [Fact]
    public void WhatACallerHoldsAfterBackwardKeepsItsValuesWhileLaterPassesReuseTheArena()
    {
        var kept = Step(1);
        kept.Loss.Backward();
        float[] hidden = kept.Hidden.ToArray(), output = kept.Output.ToArray(), xGrad = kept.X.Grad!.ToArray(), wGrad = kept.W.Grad!.ToArray();
        float loss = kept.Loss.Item();

        long allocated = 0;
        int tensorObjects = 0;
        for (int i = 0; i < 6; i++)
        {
            var other = Step(100 + (ulong)i);
            other.Loss.Backward();
            if (i == 0) (allocated, tensorObjects) = (BackwardArena.Allocations, BackwardArena.TensorObjects);
            Assert.NotEqual(xGrad, other.X.Grad!.ToArray()); // other values went through the same buffers
        }
        Assert.Equal(allocated, BackwardArena.Allocations);  // warm passes reused the arena's buffers
        Assert.True(tensorObjects > 0);
        Assert.Equal(tensorObjects, BackwardArena.TensorObjects);   // and the tensor objects that carried them

        Assert.Equal(hidden, kept.Hidden.ToArray());
        Assert.Equal(output, kept.Output.ToArray());
        Assert.Equal(xGrad, kept.X.Grad!.ToArray());
        Assert.Equal(wGrad, kept.W.Grad!.ToArray());
        Assert.Equal(loss, kept.Loss.Item());
        Assert.Null(kept.Hidden.Grad);                       // intermediate gradients are not kept
    }

    [Fact]
    public void ArenaBuffersDoNotChangeGradients()
    {
        // The same step twice: the first pass allocates its buffers, the second reuses them; the gradients must agree
        // bit for bit with each other and with a finite-difference check of the first.
        var first = Step(7);
        first.Loss.Backward();
        var second = Step(7);
        second.Loss.Backward();
        Assert.Equal(first.X.Grad!.ToArray(), second.X.Grad!.ToArray());
        Assert.Equal(first.W.Grad!.ToArray(), second.W.Grad!.ToArray());

        var xv = Step(7).X.ToArray();
        const int element = 3;
        const float h = 1e-2f;
        double Loss(float delta)
        {
            using (Tensor.NoGrad())
            {
                var x = Tensor.FromArray([4, 6], xv);
                x.Data[element] += delta;
                var g = new Generator(7);
                Random(g, 4, 6);
                var w = Random(g, 6, 5);
                var bias = Random(g, 5);
                var hidden = Tensor.Tanh(Tensor.MatMul(x, w) + bias);
                var output = Tensor.Sigmoid(hidden * 2f) * hidden - hidden.Sum(1, keepDim: true);
                return (output * output).Sum().Item();
            }
        }
        double numeric = (Loss(h) - Loss(-h)) / (2 * h);
        Assert.Equal(numeric, first.X.Grad!.Values[element], 2e-3);
    }

    [Fact]
    public void GradientCapturesKeepCopiesOfArenaGradients()
    {
        var capture = new GradientCapture();
        var kept = Step(3);
        using (Tensor.CaptureGradients(capture)) kept.Loss.Backward();
        var xGrad = capture[kept.X]!.ToArray();
        for (int i = 0; i < 3; i++) Step(200 + (ulong)i).Loss.Backward();
        Assert.Equal(xGrad, capture[kept.X]!.ToArray());
    }

    [Fact]
    public void BackwardBufferOutsideABackwardPassIsAFreshZeroTensor()
    {
        var a = Tensor.BackwardBuffer(3, 2);
        a.Data.Fill(5f);
        var b = Tensor.BackwardBuffer(3, 2);
        Assert.Equal(new float[6], b.ToArray());
        Assert.Equal(new[] { 3, 2 }, b.ShapeArray());
        Assert.Equal(5f, a.At(2, 1));
    }

    [Fact]
    public void BackwardBufferInsideABackwardPassIsZeroEvenWhenReused()
    {
        for (int pass = 0; pass < 3; pass++)
        {
            var x = Tensor.FromArray([3], [1f, 2f, 3f]).RequireGrad();
            float[]? seen = null;
            var y = Tensor.Custom("Probe", Tensor.FromArray([3], x.Values), [x], grad =>
            {
                var d = Tensor.BackwardBuffer(3);
                seen = d.ToArray();
                d.Data.Fill(9f);   // dirties the buffer the next pass will get back
                return [d];
            });
            y.Sum().Backward();
            Assert.Equal(new float[3], seen);
            Assert.Equal(new[] { 9f, 9f, 9f }, x.Grad!.ToArray());
        }
    }

    [Fact]
    public void ABackwardPassNestedInABackwardFunctionKeepsTheOuterPassesBuffers()
    {
        // The outer op's backward runs an inner backward pass of its own (which rents and returns buffers) between
        // renting its gradient and returning it: the outer gradient must survive the inner pass.
        // (A backward function records no graph, so the inner graph is built beforehand.)
        var inner = Tensor.FromArray([2], [4f, 5f]).RequireGrad();
        var innerLoss = (Tensor.Square(inner) * 10f).Sum();
        var x = Tensor.FromArray([2], [1f, 2f]).RequireGrad();
        var y = Tensor.Custom("Outer", Tensor.FromArray([2], [3f, 6f]), [x], grad =>
        {
            var d = Tensor.BackwardBuffer(2);
            System.Numerics.Tensors.TensorPrimitives.Multiply(grad.Values, 3f, d.Data);
            innerLoss.Backward();   // d/d inner = 20·inner = [80, 100]
            Assert.Equal(new[] { 80f, 100f }, inner.Grad!.ToArray());
            Tensor.BackwardBuffer(2).Data.Fill(-1f);   // would be d's buffer, had the inner pass released the outer's
            return [d];
        });
        (y * Tensor.FromArray([2], [1f, -2f])).Sum().Backward();
        Assert.Equal(new[] { 3f, -6f }, x.Grad!.ToArray());
    }

    [Fact]
    public void AnExceptionInABackwardFunctionLeavesNoIntermediateHoldingAnArenaBuffer()
    {
        var x = Tensor.FromArray([2], [1f, 2f]).RequireGrad();
        var hidden = Tensor.Tanh(x) * 3f;
        var y = Tensor.Custom("Fails", Tensor.FromArray([2], hidden.Values), [hidden], _ => throw new InvalidOperationException("boom"));
        var loss = (Tensor.Square(y) + y).Sum();
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Null(y.Grad);
        Assert.Null(hidden.Grad);
    }

    [Fact]
    public void TensorObjectsReusedForOtherShapesCarryTheRightGradients()
    {
        // Passes over graphs of different shapes take the same tensor objects from the arena in turn; each pass's leaf
        // gradients must be those of a pass run alone (the first) and those computed by hand.
        var reference = Step(3);
        reference.Loss.Backward();
        float[] xGrad = reference.X.Grad!.ToArray(), wGrad = reference.W.Grad!.ToArray();
        for (int round = 0; round < 3; round++)
        {
            // loss = Σ_i (a_i · b_i)² over a [3] graph: ∂/∂a_i = 2·a_i·b_i², ∂/∂b_i = 2·a_i²·b_i.
            var a = new Tensor([1f, -2f, 0.5f], 3).RequireGrad();
            var b = new Tensor([3f, 1f, -4f], 3).RequireGrad();
            var product = a * b;
            (product * product).Sum().Backward();
            Assert.Equal(new[] { 18f, -4f, 16f }, a.Grad!.ToArray());
            Assert.Equal(new[] { 6f, 8f, -2f }, b.Grad!.ToArray());
            Assert.Equal([3], a.Grad!.ShapeArray());

            var again = Step(3);
            again.Loss.Backward();
            Assert.Equal(xGrad, again.X.Grad!.ToArray());
            Assert.Equal(wGrad, again.W.Grad!.ToArray());
            Assert.Equal([4, 6], again.X.Grad!.ShapeArray());
        }
    }

    [Fact]
    public void GradientArraysAreReusedClearedAcrossPasses()
    {
        // A custom op that returns its gradients in an arena array: y = 2a + 3b, only a's gradient the first time and only
        // b's afterwards. A reused array that kept a's entry would give a a gradient it should not get (ours is checked).
        var a = new Tensor([1f, 2f], 2).RequireGrad();
        var b = new Tensor([3f, 4f], 2).RequireGrad();
        bool first = true;
        Tensor Op() => Tensor.Custom("Mix", (2f * a.Detach() + 3f * b.Detach()).Detach(), [a, b], g =>
        {
            var slots = Tensor.GradientSlots(2);
            Assert.Null(slots[0]);
            Assert.Null(slots[1]);
            if (first) slots[0] = g * 2f;
            else slots[1] = g * 3f;
            return slots;
        });
        Op().Sum().Backward();
        Assert.Equal(new[] { 2f, 2f }, a.Grad!.ToArray());
        Assert.Null(b.Grad);
        int arrays = BackwardArena.SlotArrays;
        first = false;
        for (int pass = 1; pass <= 3; pass++)
        {
            a.ClearGrad();
            b.ClearGrad();
            Op().Sum().Backward();
            Assert.Null(a.Grad);
            Assert.Equal(new[] { 3f, 3f }, b.Grad!.ToArray());
        }
        Assert.Equal(arrays, BackwardArena.SlotArrays);   // warm passes took the same array again
        Assert.Equal(3, Tensor.GradientSlots(3).Length);   // outside a pass: a plain new array
    }

    /// <summary>
    /// A warm backward pass allocates nothing: the seed of <see cref="Tensor.Backward()"/>, the binary ops' and single-input
    /// ops' nodes (recorded in the forward pass, no closures to run) and the temporaries Softplus and Pow need when they add
    /// to a gradient that already exists all come from the pass's arena. x feeds Softplus twice and Pow twice, so at least
    /// one of each adds to x's existing gradient; the gradient is hand-computed: 2·σ(x) + 2·3x².
    /// </summary>
    [Fact]
    public void AWarmBackwardPassThatAccumulatesThroughSoftplusAndPowAllocatesNothing()
    {
        var x = new Tensor([-1.5f, 0f, 0.5f, 2f], 4).RequireGrad();
        var arena = new TensorArena();
        long allocated = -1;
        for (int pass = 0; pass < 4; pass++)
            using (arena.Enter())
            {
                var loss = (Tensor.Softplus(x) + Tensor.Pow(x, 3f) + Tensor.Softplus(x) + Tensor.Pow(x, 3f)).Sum();
                x.ClearGrad();   // keeps the buffer for the next pass, as optimizers do
                long before = GC.GetAllocatedBytesForCurrentThread();
                loss.Backward();
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        Assert.Equal(0, allocated);
        float[] expected = [13.864851f, 1f, 2.7449187f, 25.761594f];
        var grad = x.Grad!.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], grad[i], 5e-6f);
    }
}
