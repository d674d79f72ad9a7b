using Modules.Tensors;

namespace Modules.Tests.Layers;

public class LinearTests
{
    /// <summary>A layer whose w = [[1, 2], [3, 4], [5, 6]] and b = [0.5, −1] are set before its first call.</summary>
    private static Linear KnownLinear()
    {
        var linear = new Linear(2);
        linear.SetParameter("linear/w", new Tensor([1f, 2f, 3f, 4f, 5f, 6f], 3, 2));
        linear.SetParameter("linear/b", new Tensor([0.5f, -1f], 2));
        return linear;
    }

    [Fact]
    public void ForwardIsInputTimesWeightsPlusBias()
    {
        // x = [[1, 0, −1], [2, 1, 0]]:
        // row 0: [1·1 + 0·3 − 1·5, 1·2 + 0·4 − 1·6] + b = [−4, −4] + [0.5, −1] = [−3.5, −5]
        // row 1: [2·1 + 1·3 + 0·5, 2·2 + 1·4 + 0·6] + b = [5, 8] + [0.5, −1] = [5.5, 7]
        var y = KnownLinear().Forward(new Tensor([1f, 0f, -1f, 2f, 1f, 0f], 2, 3));
        Assert.Equal([2, 2], y.ShapeArray());
        Assert.Equal([-3.5f, -5f, 5.5f, 7f], y.ToArray());
    }

    [Fact]
    public void LeadingDimensionsAreKept()
    {
        var linear = KnownLinear();
        var y3 = linear.Forward(new Tensor([1f, 0f, -1f, 2f, 1f, 0f], 2, 1, 3));
        Assert.Equal([2, 1, 2], y3.ShapeArray());
        Assert.Equal([-3.5f, -5f, 5.5f, 7f], y3.ToArray());
        var y1 = linear.Forward(new Tensor([2f, 1f, 0f], 3));
        Assert.Equal([2], y1.ShapeArray());
        Assert.Equal([5.5f, 7f], y1.ToArray());
    }

    [Fact]
    public void GradientsReachWeightsAndBias()
    {
        // L = Σ y ⇒ ∂L/∂w[k, n] = Σ_b x[b, k] = [3, 1, −1] for each n; ∂L/∂b = [B, B] = [2, 2].
        var linear = KnownLinear();
        linear.Forward(new Tensor([1f, 0f, -1f, 2f, 1f, 0f], 2, 3)).Sum().Backward();
        var grads = linear.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Grad!.ToArray());
        Assert.Equal([3f, 3f, 1f, 1f, -1f, -1f], grads["linear/w"]);
        Assert.Equal([2f, 2f], grads["linear/b"]);
    }

    [Fact]
    public void ParametersAreCreatedOnFirstCallWithSonnetShapesAndInitialisation()
    {
        var linear = new Linear(50);
        Assert.False(linear.IsConnected);
        linear.Forward(Tensor.Zeros(1, 400));
        Assert.True(linear.IsConnected);
        Assert.Equal(400, linear.InputSize);
        var parameters = linear.NamedParameters();
        Assert.Equal(["linear/w", "linear/b"], parameters.Select(p => p.Key));
        var w = parameters[0].Value;
        Assert.Equal([400, 50], w.ShapeArray());
        Assert.All(parameters[1].Value.ToArray(), v => Assert.Equal(0f, v));
        // Truncated normal with σ = 1/√400 = 0.05: values within 2σ, sample spread close to σ (0.88σ after truncation).
        var values = w.ToArray();
        Assert.All(values, v => Assert.InRange(v, -0.1f, 0.1f));
        double std = Math.Sqrt(values.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.04, 0.05);
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        var a = new Linear(3);
        a.Seed(7);
        var b = new Linear(3);
        b.Seed(7);
        a.Forward(Tensor.Ones(1, 4));
        b.Forward(Tensor.Ones(1, 4));
        Assert.Equal(a.Parameters()[0].ToArray(), b.Parameters()[0].ToArray());
    }

    [Fact]
    public void IncompatibleSecondCallNamesThePathAndBothShapes()
    {
        var net = new TwoLinears("dnc");
        net.Forward(Tensor.Ones(4, 128));
        var error = Assert.Throws<ShapeMismatchException>(() => net.Output.Forward(Tensor.Ones(4, 130)));
        Assert.Equal("dnc/output_linear: input must be [4, 2] (last dimension 2), got [4, 130]", error.Message);
        var direct = Assert.Throws<ShapeMismatchException>(() => net.First.Forward(Tensor.Ones(4, 130)));
        Assert.Equal("dnc/linear: input must be [4, 128] (last dimension 128), got [4, 130]", direct.Message);
    }

    [Fact]
    public void UnnamedSiblingsAreLinearAndLinear1()
    {
        var net = new TwoLinears();
        Assert.Equal("linear", net.First.Name);
        Assert.Equal("linear_1", net.Second.Name);
        Assert.Equal("two_linears/linear_1", net.Second.Path);
        net.Forward(Tensor.Ones(1, 5));
        Assert.Equal(
            ["two_linears/linear/w", "two_linears/linear/b", "two_linears/linear_1/w", "two_linears/linear_1/b",
             "two_linears/output_linear/w", "two_linears/output_linear/b"],
            net.NamedParameters().Select(p => p.Key));
    }

    [Fact]
    public void ScalarInputIsRejected() =>
        Assert.Contains("at least one dimension", Assert.Throws<ShapeMismatchException>(() => new Linear(2).Forward(Tensor.Scalar(1f))).Message);

    [Fact]
    public void ConnectCreatesTheParametersForwardUsesAndRejectsAnotherInputSize()
    {
        var linear = new Linear(2);
        var (w, b) = linear.Connect(3);
        Assert.Equal([3, 2], w.ShapeArray());
        Assert.Equal(new float[2], b.ToArray());
        Assert.Same(w, linear.NamedParameters()[0].Value);
        Assert.Same(w, linear.Connect(3).W);
        var x = new Tensor([1f, 0f, -1f], 1, 3);
        Assert.Equal(x.MatMul(w).ToArray(), linear.Forward(x).ToArray());
        var e = Assert.Throws<ShapeMismatchException>(() => linear.Connect(4));
        Assert.Contains("linear", e.Message);
    }

    /// <summary>A connected layer hands out its parameters without allocating (recurrent cores ask at every time step).</summary>
    [Fact]
    public void ConnectOnAConnectedLayerAllocatesNothing()
    {
        var linear = new Linear(2);
        var (w, b) = linear.Connect(3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var again = linear.Connect(3);
        for (int i = 0; i < 9; i++) again = linear.Connect(3);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(w, again.W);
        Assert.Same(b, again.B);
    }
}
