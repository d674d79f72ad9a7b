using Modules.Tensors;

namespace Modules.Tests.Core;

public class DynamicRnnTests
{
    private static Tensor Sequence(int steps, int batch, int features)
    {
        var rng = new Generator(5);
        return Tensor.Uniform(rng, [steps, batch, features], -1f, 1f);
    }

    [Fact]
    public void UnrollEqualsTheManualLoopInValuesAndGradients()
    {
        const int steps = 4, batch = 2, features = 3;
        var data = Sequence(steps, batch, features);

        var core = new ToyCore(5);
        var inputs = data.Clone().RequireGrad();
        var result = DynamicRnn.Unroll(core, inputs, captureStates: true);
        (Tensor.Square(result.Outputs).Sum() + result.FinalState.Hidden.Sum()).Backward();

        var reference = new ToyCore(5);
        var manualInputs = data.Clone().RequireGrad();
        var state = reference.InitialState(batch);
        var outputs = new List<Tensor>();
        Tensor? loss = null;
        for (int t = 0; t < steps; t++)
        {
            var x = new Tensor(data.ToArray().AsSpan(t * batch * features, batch * features).ToArray(), batch, features);
            (var y, state) = reference.Step(x, state);
            outputs.Add(y);
            var term = Tensor.Square(y).Sum();
            loss = loss is null ? term : loss + term;
        }
        (loss! + state.Hidden.Sum()).Backward();

        Assert.Equal([steps, batch, 10 / 2], result.Outputs.ShapeArray());
        var expected = outputs.SelectMany(o => o.ToArray()).ToArray();
        AssertClose(expected, result.Outputs.ToArray());
        AssertClose(state.Hidden.ToArray(), result.FinalState.Hidden.ToArray());
        Assert.Equal([4f, 4f], result.FinalState.Steps.ToArray());
        for (int i = 0; i < 2; i++)
            AssertClose(reference.Parameters()[i].Grad!.ToArray(), core.Parameters()[i].Grad!.ToArray());
        Assert.NotNull(inputs.Grad);
        Assert.Equal([steps, batch, features], inputs.Grad!.ShapeArray());
    }

    [Fact]
    public void CapturedStatesAreTheStateAfterEachStep()
    {
        var core = new ToyCore(2);
        var result = DynamicRnn.Unroll(core, Sequence(3, 1, 2), captureStates: true);
        Assert.NotNull(result.States);
        Assert.Equal(3, result.States!.Count);
        Assert.Equal([[1f], [2f], [3f]], result.States.Select(s => s.Steps.ToArray()));
        Assert.Same(result.FinalState.Hidden, result.States[^1].Hidden);
        // The output of step t is twice the hidden state after step t.
        Assert.Equal(result.States[1].Hidden.ToArray().Select(v => v * 2f), result.Outputs.ToArray().Skip(2).Take(2));
    }

    [Fact]
    public void GivenInitialStateIsUsedAndStatesAreNotCapturedByDefault()
    {
        var core = new ToyCore(2);
        var initial = new ToyState(Tensor.Zeros(1, 2), Tensor.Full([1, 1], 10f));
        var result = DynamicRnn.Unroll(core, Sequence(2, 1, 2), initial);
        Assert.Null(result.States);
        Assert.Equal([12f], result.FinalState.Steps.ToArray());
    }

    [Fact]
    public void BatchMajorUnrollIsTheTimeMajorOneTransposed()
    {
        const int steps = 3, batch = 2, features = 4;
        var timeMajor = Sequence(steps, batch, features);
        var batchMajor = timeMajor.Permute(1, 0, 2).Clone().RequireGrad();
        var core = new ToyCore(3);

        var reference = DynamicRnn.Unroll(core, timeMajor, captureStates: true);
        var result = DynamicRnn.Unroll(core, batchMajor, captureStates: true, timeMajor: false);

        Assert.Equal([batch, steps, 3], result.Outputs.ShapeArray());
        Assert.Equal(reference.Outputs.Permute(1, 0, 2).ToArray(), result.Outputs.ToArray());
        Assert.Equal(reference.FinalState.Hidden.ToArray(), result.FinalState.Hidden.ToArray());
        Assert.Equal(steps, result.States!.Count);
        result.Outputs.Sum().Backward();
        Assert.Equal([batch, steps, features], batchMajor.Grad!.ShapeArray());
        var error = Assert.Throws<ArgumentException>(() => DynamicRnn.Unroll(core, Tensor.Zeros(2, 0, 4), timeMajor: false));
        Assert.Contains("[B, T, ...]", error.Message);
    }

    [Fact]
    public void RejectsInputsWithoutTimeAndBatchAxes()
    {
        var error = Assert.Throws<ShapeMismatchException>(() => DynamicRnn.Unroll(new ToyCore(2), Tensor.Zeros(3)));
        Assert.Equal("DynamicRnn.Unroll: inputs must be [?, ?] ([T, B, ...], at least two dimensions), got [3]", error.Message);
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance, $"index {i}: expected {expected[i]}, got {actual[i]}");
    }
}
