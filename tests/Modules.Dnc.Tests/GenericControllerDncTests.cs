using Modules.Tensors;

namespace Modules.Dnc.Tests;

public class GenericControllerDncTests
{
    private static DncOptions Small(float clip = 20f) => new() { OutputSize = 3, HiddenSize = 5, MemorySize = 4, WordSize = 2, NumReads = 2, NumWrites = 1, ClipValue = clip };

    private static string[] AccessParameterPaths(string prefix) =>
        [.. AccessInterface.PartNames.SelectMany(part => new[] { $"{prefix}/memory_access/{part}/w", $"{prefix}/memory_access/{part}/b" })];

    [Fact]
    public void DeepRnnController_UnrollsAndNamesItsParametersAndState()
    {
        var dnc = Dnc.Create(Small(), DeepRnn.Create(new Lstm(4), new Lstm(3)));
        dnc.Seed(5);
        var run = DynamicRnn.Unroll(dnc, Tensor.Normal(new Generator(2), [3, 2, 3]));

        Assert.Equal([3, 2, 3], run.Outputs.ShapeArray());
        Assert.Equal([2, 3], run.FinalState.Controller.Second.Cell.ShapeArray());
        Assert.Equal("dnc", dnc.Name);
        Assert.Equal(
            ["dnc/deep_rnn/lstm/w_gates", "dnc/deep_rnn/lstm/b_gates", "dnc/deep_rnn/lstm_1/w_gates", "dnc/deep_rnn/lstm_1/b_gates",
             .. AccessParameterPaths("dnc"), "dnc/output_linear/w", "dnc/output_linear/b"],
            dnc.NamedParameters().Select(p => p.Key));
        var shapes = dnc.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ShapeArray());
        Assert.Equal([3 + 2 * 2 + 4, 16], shapes["dnc/deep_rnn/lstm/w_gates"]);            // in + R·Wd, plus h₁
        Assert.Equal([3 + 2 * 2 + 4 + 3, 12], shapes["dnc/deep_rnn/lstm_1/w_gates"]);      // [x, out₁] skip input, plus h₂
        Assert.Equal([4 + 3, 2 * 2], shapes["dnc/memory_access/read_keys/w"]);             // controller output [out₁, out₂]
        Assert.Equal([4 + 3 + 2 * 2, 3], shapes["dnc/output_linear/w"]);

        Assert.Equal(["access_output", "access/memory", "access/read_weights", "access/write_weights", "access/linkage/link",
            "access/linkage/precedence_weights", "access/usage", "controller/first/hidden", "controller/first/cell",
            "controller/second/hidden", "controller/second/cell"], DncState<DeepRnnState<LstmState, LstmState>>.Paths);
        var flat = run.FinalState.Flatten();
        Assert.Same(flat[^1], DncState<DeepRnnState<LstmState, LstmState>>.Unflatten(flat).Controller.Second.Cell);
    }

    [Fact]
    public void ClippingAppliesToEveryTensorOfTheControllerState()
    {
        var dnc = Dnc.Create(Small(clip: 0.05f), DeepRnn.Create(new Lstm(4), new Lstm(3)));
        dnc.Seed(3);
        var run = DynamicRnn.Unroll(dnc, Tensor.Normal(new Generator(4), [4, 2, 3], 0f, 5f));
        foreach (var t in run.FinalState.Controller.Flatten().Append(run.Outputs))
            foreach (var v in t.Values) Assert.InRange(v, -0.05f, 0.05f);
        Assert.Contains(run.FinalState.Controller.Second.Cell.Values.ToArray(), v => MathF.Abs(v) == 0.05f);
    }

    [Fact]
    public void LstmController_ComputesExactlyWhatTheDefaultDncDoes()
    {
        var inputs = Tensor.Normal(new Generator(1), [3, 2, 3]);
        var plain = new Dnc(Small());
        plain.Seed(9);
        var generic = new Dnc<LstmState>(Small(), new Lstm(Small().HiddenSize));
        generic.Seed(9);
        var a = DynamicRnn.Unroll(plain, inputs);
        var b = DynamicRnn.Unroll(generic, inputs);

        Assert.Equal(plain.NamedParameters().Select(p => p.Key), generic.NamedParameters().Select(p => p.Key));
        Assert.Equal(a.Outputs.ToArray(), b.Outputs.ToArray());
        Assert.Equal(DncState.Paths, DncState<LstmState>.Paths);
        DncState converted = b.FinalState;
        Assert.Equal(a.FinalState.Controller.Cell.ToArray(), converted.Controller.Cell.ToArray());
        DncState<LstmState> back = converted;
        Assert.Same(b.FinalState.Access.Memory, back.Access.Memory);
    }

    [Fact]
    public void ControllerThatIsNotAModule_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Dnc.Create(Small(), new NotAModule()));
        Assert.Contains("must be a Module", ex.Message);
    }

    [Fact]
    public void DeepRnnController_GradientsMatchFiniteDifferences()
    {
        var options = new DncOptions { OutputSize = 2, MemorySize = 3, WordSize = 2, NumReads = 1, NumWrites = 1, ClipValue = 0f };
        var dnc = Dnc.Create(options, DeepRnn.Create(new Lstm(2), new Lstm(2)));
        dnc.Seed(7);
        var inputs = Tensor.Normal(new Generator(8), [3, 1, 2]);
        DynamicRnn.Unroll(dnc, inputs);                      // creates the parameters
        var upperGates = dnc.NamedParameters().Single(p => p.Key == "dnc/deep_rnn/lstm_1/w_gates").Value;
        var readKeys = dnc.NamedParameters().Single(p => p.Key == "dnc/memory_access/read_keys/w").Value;

        FiniteDifference.Check(x => DynamicRnn.Unroll(dnc, x[0]).Outputs, [inputs, upperGates, readKeys], eps: 1e-2f, rtol: 3e-2, atol: 3e-3);
        foreach (var checkedTensor in new[] { inputs, upperGates, readKeys })
            Assert.Contains(checkedTensor.Grad!.Values.ToArray(), g => MathF.Abs(g) > 1e-4f);   // the check compared real gradients
    }

    private sealed class NotAModule : IRnnCore<LstmState>
    {
        public (Tensor Output, LstmState State) Step(Tensor input, LstmState state) => (input, state);

        public LstmState InitialState(int batchSize) => new(Tensor.Zeros(batchSize, 1), Tensor.Zeros(batchSize, 1));
    }
}
