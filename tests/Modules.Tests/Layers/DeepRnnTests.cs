using Modules.Tensors;

namespace Modules.Tests.Layers;

public class DeepRnnTests
{
    [Fact]
    public void SkipConnectionsFeedTheInputUpAndConcatenateOutputs()
    {
        var lower = new Lstm(3);
        var upper = new Lstm(2);
        var deep = DeepRnn.Create(lower, upper);
        var input = Tensor.Normal(new Generator(3), [4, 5]);
        var (output, state) = deep.Step(input, deep.InitialState(4));
        Assert.Equal([4, 5], output.ShapeArray()); // [B, 3 + 2]

        // Same computation by hand with the same (now created) parameters.
        var (lowerOut, _) = lower.Step(input, lower.InitialState(4));
        var (upperOut, upperState) = upper.Step(Tensor.Concat(1, input, lowerOut), upper.InitialState(4));
        Assert.Equal(Tensor.Concat(1, lowerOut, upperOut).ToArray(), output.ToArray());
        Assert.Equal(upperState.Cell.ToArray(), state.Second.Cell.ToArray());

        var parameters = deep.NamedParameters();
        Assert.Equal(["deep_rnn/lstm/w_gates", "deep_rnn/lstm/b_gates", "deep_rnn/lstm_1/w_gates", "deep_rnn/lstm_1/b_gates"],
            parameters.Select(p => p.Key));
        Assert.Equal([5 + 3 + 2, 8], parameters[2].Value.ShapeArray()); // upper sees [x, out₁] plus its own h
    }

    [Fact]
    public void WithoutSkipConnectionsTheCoresAreChained()
    {
        var lower = new Lstm(3);
        var upper = new Lstm(2);
        var deep = DeepRnn.Create(lower, upper, skipConnections: false);
        var input = Tensor.Normal(new Generator(4), [1, 5]);
        var (output, _) = deep.Step(input, deep.InitialState(1));
        var (lowerOut, _) = lower.Step(input, lower.InitialState(1));
        var (upperOut, _) = upper.Step(lowerOut, upper.InitialState(1));
        Assert.Equal(upperOut.ToArray(), output.ToArray());
    }

    [Fact]
    public void StateTreeHasPathsAndRoundTrips()
    {
        var deep = DeepRnn.Create(new Lstm(3), new Lstm(2));
        Assert.Equal(["first/hidden", "first/cell", "second/hidden", "second/cell"],
            DeepRnnState<LstmState, LstmState>.Paths);
        var unrolled = DynamicRnn.Unroll(deep, Tensor.Ones(3, 2, 4));
        Assert.Equal([3, 2, 5], unrolled.Outputs.ShapeArray());
        var flat = unrolled.FinalState.Flatten();
        Assert.Equal(4, flat.Count);
        var rebuilt = DeepRnnState<LstmState, LstmState>.Unflatten(flat);
        Assert.Same(flat[3], rebuilt.Second.Cell);
        Assert.Contains("\"second/cell\"", rebuilt.ToJson());
    }
}
