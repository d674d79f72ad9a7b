using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Training;

public class TrainingLoopTests
{
    /// <summary>Fits y = 2·x₀ − x₁ + 1 with a Linear layer; every optimizer must get the loss below 1e-4.</summary>
    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-momentum")]
    [InlineData("adam")]
    [InlineData("rmsprop-tf1")]
    [InlineData("rmsprop-pytorch")]
    public void OptimizersFitALinearFunction(string which)
    {
        Optimizer optimizer = which switch
        {
            "sgd" => new Sgd(0.1f),
            "sgd-momentum" => new Sgd(0.05f, momentum: 0.9f),
            "adam" => new Adam(0.05f),
            "rmsprop-tf1" => RmsProp.TensorFlow1(0.01f),
            _ => RmsProp.PyTorch(0.01f),
        };
        var rng = new Generator(3);
        var x = Tensor.Uniform(rng, [64, 2], -1f, 1f);
        var xs = x.ToArray();
        var y = new Tensor(Enumerable.Range(0, 64).Select(i => 2 * xs[2 * i] - xs[2 * i + 1] + 1).ToArray(), 64, 1);
        var model = new Linear(1);
        model.Seed(1);

        float loss = float.NaN;
        for (int step = 0; step < 600; step++)
        {
            model.ZeroGrad();
            var error = model.Forward(x) - y;
            var mse = (error * error).Mean();
            loss = mse.Item();
            mse.Backward();
            GradientClipping.ClipGradientsByGlobalNorm(model.NamedParameters(), 10f);
            optimizer.Step(model.NamedParameters());
        }
        Assert.True(loss < 1e-4f, $"{which}: final loss {loss}");
        var w = model.NamedParameters()[0].Value.ToArray();
        Assert.Equal(2f, w[0], 1);
        Assert.Equal(-1f, w[1], 1);
    }
}
