using Modules.Tensors;

namespace Modules.Tensors.Tests;

public class GradientCaptureTests
{
    [Fact]
    public void UnderACapture_LeafGradientsGoToTheCaptureNotToGrad()
    {
        // loss = Σ (x·w)², ∂/∂w = 2·x·(x·w) = [2·1·2, 2·2·4] = [4, 16] for x = [1, 2], w = [2, 2].
        var w = new Tensor([2f, 2f], 2).RequireGrad();
        var x = new Tensor([1f, 2f], 2);
        var capture = new GradientCapture();
        using (Tensor.CaptureGradients(capture)) Tensor.Square(x * w).Sum().Backward();

        Assert.Null(w.Grad);
        Assert.Equal(1, capture.Count);
        Assert.Equal(new[] { 4f, 16f }, capture[w]!.ToArray());
        Assert.Null(capture[x]);
    }

    [Fact]
    public void ALeafUsedTwice_AccumulatesInTheCapture_AndTheScopeEnds()
    {
        var w = new Tensor([3f], 1).RequireGrad();
        var capture = new GradientCapture();
        using (Tensor.CaptureGradients(capture)) (w * w + w * 2f).Sum().Backward(); // 2w + 2 = 8
        Assert.Equal(8f, capture[w]!.Item());

        (w * 5f).Sum().Backward(); // after the scope: Grad as usual
        Assert.Equal(5f, w.Grad!.Item());
        Assert.Equal(8f, capture[w]!.Item());
    }

    [Fact]
    public void TwoThreadsBackPropagatingThroughSharedLeaves_EachGetsItsOwnGradients()
    {
        var w = Tensor.Uniform(new Generator(1), [32, 32], -1f, 1f).RequireGrad();
        var inputs = new[] { Tensor.Uniform(new Generator(2), [8, 32], -1f, 1f), Tensor.Uniform(new Generator(3), [8, 32], -1f, 1f) };
        Tensor Loss(Tensor x) => Tensor.Tanh(Tensor.MatMul(Tensor.Tanh(Tensor.MatMul(x, w)), w)).Sum();

        var expected = inputs.Select(x =>
        {
            w.Grad = null;
            Loss(x).Backward();
            return w.Grad!.ToArray();
        }).ToArray();
        w.Grad = null;

        var captured = new float[2][];
        for (int round = 0; round < 20; round++)
        {
            Parallel.For(0, 2, i =>
            {
                var capture = new GradientCapture();
                using (Tensor.CaptureGradients(capture)) Loss(inputs[i]).Backward();
                captured[i] = capture[w]!.ToArray();
            });
            Assert.Equal(expected[0], captured[0]);
            Assert.Equal(expected[1], captured[1]);
        }
        Assert.Null(w.Grad);
    }

    [Fact]
    public void ACapturePassedAgainAfterClear_HoldsOnlyTheNewPass_InTheSameBuffers()
    {
        // Pass 1: loss = Σ (x·w)² + v², ∂/∂w = 2·x·(x·w) = [4, 16], ∂/∂v = 2v = 6. Pass 2 reaches w only, through
        // a kernel-written gradient (MatMul) and an added one: loss = Σ (x·w) + Σ w, ∂/∂w = x + 1 = [2, 3].
        var w = new Tensor([2f, 2f], 2).RequireGrad();
        var v = new Tensor([3f], 1).RequireGrad();
        var x = new Tensor([1f, 2f], 2);
        var capture = new GradientCapture();
        using (Tensor.CaptureGradients(capture)) (Tensor.Square(x * w).Sum() + Tensor.Square(v).Sum()).Backward();
        var buffer = capture[w]!;
        Assert.Equal(new[] { 4f, 16f }, buffer.ToArray());
        Assert.Equal(6f, capture[v]!.Item());

        capture.Clear();
        Assert.Equal(0, capture.Count);
        Assert.Null(capture[w]);
        Assert.Null(capture[v]);

        using (Tensor.CaptureGradients(capture)) ((x * w).Sum() + w.Sum()).Backward();
        Assert.Equal(1, capture.Count);
        Assert.Same(buffer, capture[w]);
        Assert.Equal(new[] { 2f, 3f }, capture[w]!.ToArray());
        Assert.Null(capture[v]);

        // A matrix product writes its weight gradient with a kernel: after Clear it overwrites (not adds to) the kept buffer.
        var m = new Tensor([1f, 2f, 3f, 4f], 2, 2).RequireGrad();
        var a = new Tensor([1f, 1f], 1, 2);
        using (Tensor.CaptureGradients(capture)) Tensor.MatMul(a, m).Sum().Backward();
        var mBuffer = capture[m]!;
        capture.Clear();
        using (Tensor.CaptureGradients(capture)) Tensor.MatMul(a * 3f, m).Sum().Backward();
        Assert.Same(mBuffer, capture[m]);
        Assert.Equal(new[] { 3f, 3f, 3f, 3f }, capture[m]!.ToArray());
    }
}
