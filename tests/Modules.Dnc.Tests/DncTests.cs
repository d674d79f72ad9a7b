using Modules.Tensors;

namespace Modules.Dnc.Tests;

public class DncTests
{
    private static DncOptions Small(float clip = 20f) => new() { OutputSize = 3, HiddenSize = 5, MemorySize = 4, WordSize = 2, NumReads = 2, NumWrites = 1, ClipValue = clip };

    [Fact]
    public void DefaultName_IsDnc_AndStatePathsNameEveryTensor()
    {
        Assert.Equal("dnc", new Dnc(Small()).Name);
        Assert.Equal(["access_output", "access/memory", "access/read_weights", "access/write_weights", "access/linkage/link",
            "access/linkage/precedence_weights", "access/usage", "controller/hidden", "controller/cell"], DncState.Paths);
    }

    [Fact]
    public void Clipping_BoundsOutputsAndControllerState()
    {
        var dnc = new Dnc(Small(clip: 0.05f));
        dnc.Seed(3);
        var run = DynamicRnn.Unroll(dnc, Tensor.Normal(new Generator(4), [4, 2, 3], 0f, 5f));
        foreach (var t in new[] { run.Outputs, run.FinalState.Controller.Hidden, run.FinalState.Controller.Cell })
            foreach (var v in t.Values) Assert.InRange(v, -0.05f, 0.05f);
        Assert.Contains(run.FinalState.Controller.Cell.Values.ToArray(), v => MathF.Abs(v) == 0.05f);
    }

    [Fact]
    public void SameSeed_GivesTheSameRun_AndTheStateRoundTripsThroughFlatten()
    {
        Tensor Run(out DncState final)
        {
            var dnc = new Dnc(Small());
            dnc.Seed(9);
            var r = DynamicRnn.Unroll(dnc, Tensor.Normal(new Generator(1), [3, 2, 3]));
            final = r.FinalState;
            return r.Outputs;
        }
        var a = Run(out var finalA);
        var b = Run(out _);
        Assert.Equal(a.ToArray(), b.ToArray());
        var round = DncState.Unflatten(finalA.Flatten());
        Assert.Equal(finalA.Access.Linkage.Link.ToArray(), round.Access.Linkage.Link.ToArray());
    }

    [Fact]
    public void ControllerInput_IsInputAndPreviousReadWords()
    {
        var dnc = new Dnc(Small());
        dnc.Step(Tensor.Zeros(2, 3), dnc.InitialState(2));
        // in + R·Wd + H rows, 4H columns.
        Assert.Equal([3 + 2 * 2 + 5, 20], dnc.NamedParameters().Single(p => p.Key == "dnc/lstm/w_gates").Value.ShapeArray());
        var ex = Assert.Throws<ShapeMismatchException>(() => dnc.Step(Tensor.Zeros(2, 4), dnc.InitialState(2)));
        Assert.Contains("dnc: input must be [2, 3], got [2, 4]", ex.Message);
    }

    [Fact]
    public void AnotherController_IsUsedAndItsParametersAreListed()
    {
        var controller = new Lstm(hiddenSize: 7, forgetBias: 0f, name: "controller");
        var dnc = new Dnc(Small(), controller);
        var (output, state) = dnc.Step(Tensor.Ones(2, 3), dnc.InitialState(2));
        Assert.Equal([2, 3], output.ShapeArray());
        Assert.Equal([2, 7], state.Controller.Hidden.ShapeArray());
        Assert.Same(controller, dnc.Controller);
        Assert.Equal("dnc/controller/w_gates", dnc.NamedParameters()[0].Key);
        Assert.Equal([7 + 2 * 2, 3], dnc.NamedParameters().Single(p => p.Key == "dnc/output_linear/w").Value.ShapeArray());
    }
}
