using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

public class NtmTests
{
    private static NtmOptions Tiny(NtmController controller = NtmController.Lstm) => new()
    {
        OutputSize = 2, HiddenSize = 4, MemorySize = 5, WordSize = 3, NumReads = 1, NumWrites = 1, Controller = controller,
    };

    [Fact]
    public void DefaultName_IsNtm_AndStatePathsNameEveryTensor()
    {
        Assert.Equal("ntm", new Ntm(Tiny()).Name);
        Assert.Equal(["controller/hidden", "controller/cell", "memory", "read_weights", "write_weights", "read_words"], NtmState.Paths);
    }

    [Fact]
    public void ParameterPaths_WithTheLstmController()
    {
        var ntm = new Ntm(Tiny());
        ntm.Step(Tensor.Zeros(2, 3), ntm.InitialState(2));
        string[] heads = ["keys", "strengths", "gates", "shifts", "sharpening"];
        var expected = new List<string> { "ntm/lstm/w_gates", "ntm/lstm/b_gates" };
        foreach (var part in heads.Concat(["erase_vectors", "add_vectors"])) expected.AddRange([$"ntm/write_heads/{part}/w", $"ntm/write_heads/{part}/b"]);
        foreach (var part in heads) expected.AddRange([$"ntm/read_heads/{part}/w", $"ntm/read_heads/{part}/b"]);
        expected.AddRange(["ntm/output_linear/w", "ntm/output_linear/b"]);
        var parameters = ntm.NamedParameters();
        Assert.Equal(expected, parameters.Select(p => p.Key));

        var shapes = parameters.ToDictionary(p => p.Key, p => p.Value.ShapeArray());
        Assert.Equal([3 + 1 * 3 + 4, 16], shapes["ntm/lstm/w_gates"]);          // input + R·Wd + H rows, 4H columns
        Assert.Equal([4, 3], shapes["ntm/write_heads/keys/w"]);                  // W·Wd
        Assert.Equal([4, 3], shapes["ntm/write_heads/shifts/w"]);                // W·3
        Assert.Equal([4, 1], shapes["ntm/read_heads/sharpening/w"]);             // R
        Assert.Equal([4, 3], shapes["ntm/write_heads/add_vectors/w"]);
        Assert.Equal([4 + 1 * 3, 2], shapes["ntm/output_linear/w"]);             // H + R·Wd
    }

    [Fact]
    public void ParameterPaths_WithTheFeedForwardController()
    {
        var ntm = new Ntm(Tiny(NtmController.FeedForward) with { NumReads = 2, NumWrites = 2 });
        ntm.Step(Tensor.Zeros(2, 3), ntm.InitialState(2));
        var shapes = ntm.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ShapeArray());
        Assert.Equal(["ntm/feed_forward/w", "ntm/feed_forward/b"], ntm.NamedParameters().Take(2).Select(p => p.Key));
        Assert.DoesNotContain(shapes.Keys, k => k.Contains("lstm"));
        Assert.Equal([3 + 2 * 3, 4], shapes["ntm/feed_forward/w"]);
        Assert.Equal([4, 2 * 3], shapes["ntm/read_heads/shifts/w"]);
        Assert.Equal([4, 2 * 3], shapes["ntm/write_heads/erase_vectors/w"]);
        Assert.Equal(2 + 7 * 2 + 5 * 2 + 2, shapes.Count);
    }

    [Fact]
    public void InitialState_IsASmallConstantMemory_WithWeightsOnRowZero()
    {
        var state = new Ntm(Tiny() with { NumReads = 2 }).InitialState(2);
        Assert.Equal([2, 5, 3], state.Memory.ShapeArray());
        Assert.All(state.Memory.ToArray(), v => Assert.Equal(1e-6f, v));
        Assert.Equal([2, 2, 5], state.ReadWeights.ShapeArray());
        Assert.Equal([2, 1, 5], state.WriteWeights.ShapeArray());
        FiniteDifference.AssertClose([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0], state.ReadWeights.Values, 0, 0, "read weights");
        FiniteDifference.AssertClose([1, 0, 0, 0, 0, 1, 0, 0, 0, 0], state.WriteWeights.Values, 0, 0, "write weights");
        Assert.Equal([2, 2, 3], state.ReadWords.ShapeArray());
        Assert.Equal([2, 4], state.Controller.Hidden.ShapeArray());
        Assert.All(state.Controller.Cell.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Step_GivesOutputsAndStateOfTheDocumentedShapes_WithNormalisedWeights()
    {
        var ntm = new Ntm(Tiny() with { NumReads = 2, NumWrites = 2 });
        ntm.Seed(3);
        var run = DynamicRnn.Unroll(ntm, Tensor.Normal(new Generator(4), [3, 2, 3]));
        Assert.Equal([3, 2, 2], run.Outputs.ShapeArray());
        var s = run.FinalState;
        Assert.Equal([2, 5, 3], s.Memory.ShapeArray());
        Assert.Equal([2, 2, 5], s.ReadWeights.ShapeArray());
        Assert.Equal([2, 2, 5], s.WriteWeights.ShapeArray());
        Assert.Equal([2, 2, 3], s.ReadWords.ShapeArray());
        foreach (var weights in new[] { s.ReadWeights, s.WriteWeights })
            for (int row = 0; row < 4; row++)
            {
                float sum = 0;
                for (int i = 0; i < 5; i++) sum += weights.Values[row * 5 + i];
                Assert.InRange(sum, 0.9999f, 1.0001f);
            }
        // The read words are the read weights applied to the new memory.
        FiniteDifference.AssertClose(NtmMemory.Read(s.Memory, s.ReadWeights).ToArray(), s.ReadWords.Values, 1e-6, 1e-7, "read words");
    }

    [Fact]
    public void Trace_ReportsEveryStepsDetachedWeights()
    {
        var ntm = new Ntm(Tiny() with { NumReads = 2 });
        var traces = new List<MemoryTrace>();
        ntm.Trace = traces.Add;
        var run = DynamicRnn.Unroll(ntm, Tensor.Normal(new Generator(4), [3, 2, 3]));
        Assert.Equal(3, traces.Count);
        Assert.Equal([2, 1, 5], traces[2].WriteWeights.ShapeArray());
        Assert.Equal([2, 2, 5], traces[2].ReadWeights.ShapeArray());
        Assert.Null(traces[2].Usage);
        Assert.False(traces[2].ReadWeights.RequiresGrad);
        Assert.Equal(run.FinalState.ReadWeights.ToArray(), traces[2].ReadWeights.ToArray());
    }

    [Fact]
    public void SameSeed_GivesTheSameRun_AndTheStateRoundTripsThroughFlatten()
    {
        Tensor Run(out NtmState final)
        {
            var ntm = new Ntm(Tiny());
            ntm.Seed(9);
            var r = DynamicRnn.Unroll(ntm, Tensor.Normal(new Generator(1), [3, 2, 3]));
            final = r.FinalState;
            return r.Outputs;
        }
        var a = Run(out var finalA);
        Assert.Equal(a.ToArray(), Run(out _).ToArray());
        var round = NtmState.Unflatten(finalA.Flatten());
        Assert.Equal(finalA.Memory.ToArray(), round.Memory.ToArray());
    }

    [Fact]
    public void FeedForwardController_WithRelu_KeepsNoStateOfItsOwn_AndGivesFiniteOutputs()
    {
        var ntm = new Ntm(Tiny(NtmController.FeedForward) with { FeedForwardActivation = NtmActivation.Relu });
        var run = DynamicRnn.Unroll(ntm, Tensor.Normal(new Generator(2), [3, 2, 3]));
        Assert.All(run.FinalState.Controller.Hidden.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(run.FinalState.Controller.Cell.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(run.Outputs.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Clipping_BoundsTheOutput()
    {
        var ntm = new Ntm(Tiny() with { ClipValue = 0.05f });
        ntm.Seed(3);
        var run = DynamicRnn.Unroll(ntm, Tensor.Normal(new Generator(4), [4, 2, 3], 0f, 5f));
        foreach (var t in new[] { run.Outputs, run.FinalState.Controller.Hidden, run.FinalState.Controller.Cell })
            Assert.All(t.ToArray(), v => Assert.InRange(v, -0.05f, 0.05f));
    }

    [Theory]
    [InlineData(NtmController.Lstm)]
    [InlineData(NtmController.FeedForward)]
    public void ThreeStepUnroll_Gradients_MatchFiniteDifferences(NtmController controller)
    {
        // B = 2, N = 5, Wd = 3, R = 1, W = 1: gradients with respect to the inputs and every parameter.
        var ntm = new Ntm(Tiny(controller));
        ntm.Seed(21);
        var inputs = Tensor.Normal(new Generator(22), [3, 2, 3]);
        DynamicRnn.Unroll(ntm, inputs);  // creates the parameters
        var parameters = ntm.NamedParameters().Select(p => p.Value).ToArray();
        foreach (var p in parameters)   // larger weights than the initialiser's, so every path carries gradient
        {
            var d = p.Data;
            var noise = Tensor.Normal(new Generator(23), p.ShapeArray(), 0f, 0.5f).Values;
            for (int i = 0; i < d.Length; i++) d[i] += noise[i];
        }
        FiniteDifference.Check(x => DynamicRnn.Unroll(ntm, x[0]).Outputs, [inputs, .. parameters], eps: 1e-3f, rtol: 3e-2, atol: 2e-3);
    }

    [Fact]
    public void ThreeStepUnroll_GradientsReachTheInitialMemory()
    {
        var ntm = new Ntm(Tiny());
        ntm.Seed(5);
        var inputs = Tensor.Normal(new Generator(6), [3, 2, 3]);
        var initial = ntm.InitialState(2);
        var memory = Tensor.Normal(new Generator(7), [2, 5, 3]);
        FiniteDifference.Check(x => DynamicRnn.Unroll(ntm, inputs, initial with { Memory = x[0] }).Outputs, [memory], eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void ShapeErrors_NameTheModulePath_AndBothShapes()
    {
        var ntm = new Ntm(Tiny());
        var state = ntm.InitialState(2);
        var ex = Assert.Throws<ShapeMismatchException>(() => ntm.Step(Tensor.Zeros(2, 3), state with { Memory = Tensor.Zeros(2, 6, 3) }));
        Assert.Contains("ntm: state memory must be [2, 5, 3], got [2, 6, 3]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => ntm.Step(Tensor.Zeros(3, 3), state));
        Assert.Contains("ntm: previous read words must be [3, 1, 3], got [2, 1, 3]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => ntm.Step(Tensor.Zeros(2, 3), state with { ReadWeights = Tensor.Zeros(2, 2, 5) }));
        Assert.Contains("ntm: state read_weights must be [2, 1, 5], got [2, 2, 5]", ex.Message);
        ntm.Step(Tensor.Zeros(2, 3), state);
        ex = Assert.Throws<ShapeMismatchException>(() => ntm.Step(Tensor.Zeros(2, 4), state));
        Assert.Contains("ntm: input must be [2, 3], got [2, 4]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => ntm.ReadHeads.Address(Tensor.Zeros(2, 4), state.Memory, Tensor.Zeros(2, 1, 4)));
        Assert.Contains("ntm/read_heads: previous weights must be [2, 1, 5], got [2, 1, 4]", ex.Message);
    }

    [Theory]
    [InlineData("OutputSize")]
    [InlineData("HiddenSize")]
    [InlineData("MemorySize")]
    [InlineData("WordSize")]
    [InlineData("NumReads")]
    [InlineData("NumWrites")]
    public void Validate_RejectsNonPositiveSizes_NamingTheOption(string option)
    {
        var options = option switch
        {
            "OutputSize" => Tiny() with { OutputSize = 0 },
            "HiddenSize" => Tiny() with { HiddenSize = 0 },
            "MemorySize" => Tiny() with { MemorySize = 0 },
            "WordSize" => Tiny() with { WordSize = -1 },
            "NumReads" => Tiny() with { NumReads = 0 },
            _ => Tiny() with { NumWrites = 0 },
        };
        var ex = Assert.Throws<ArgumentException>(() => new Ntm(options));
        Assert.Contains($"NtmOptions.{option} must be positive", ex.Message);
        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void Validate_RejectsUndefinedEnumsAndANaNClip_AndAcceptsTheDefaults()
    {
        Assert.Contains("Controller", Assert.Throws<ArgumentException>(() => (Tiny() with { Controller = (NtmController)7 }).Validate()).Message);
        Assert.Contains("ClipValue", Assert.Throws<ArgumentException>(() => (Tiny() with { ClipValue = float.NaN }).Validate()).Message);
        var defaults = new NtmOptions { OutputSize = 5 };
        defaults.Validate();
        Assert.Equal((64, 16, 16, 4, 1, 20f, NtmController.Lstm),
            (defaults.HiddenSize, defaults.MemorySize, defaults.WordSize, defaults.NumReads, defaults.NumWrites, defaults.ClipValue, defaults.Controller));
    }

    [Fact]
    public void PapersCopyConfiguration_HasTheDocumentedParameterCount()
    {
        // LSTM (9 + 20 + 100)·400 + 400 = 52,000; write heads 6,666; read heads 2,626; output (100 + 20)·8 + 8 = 968.
        var ntm = new Ntm(new NtmOptions { OutputSize = 8, HiddenSize = 100, MemorySize = 128, WordSize = 20, NumReads = 1, NumWrites = 1 });
        ntm.Step(Tensor.Zeros(1, 9), ntm.InitialState(1));
        Assert.Equal(62_260, ntm.NamedParameters().Sum(p => p.Value.Size));
    }
}
