using Modules.Tensors;

namespace Modules.Dnc.Tests;

public class FreenessCoreTests
{
    private const int Batch = 2, Reads = 2, Writes = 2, Cells = 4;

    private static (Tensor Write, Tensor Free, Tensor Read, Tensor Usage) RandomInputs(ulong seed)
    {
        var g = new Generator(seed);
        return (Tensor.Uniform(g, [Batch, Writes, Cells], 0f, 0.5f), Tensor.Uniform(g, [Batch, Reads], 0f, 1f),
            Tensor.Uniform(g, [Batch, Reads, Cells], 0f, 0.5f), Tensor.Uniform(g, [Batch, Cells], 0f, 1f));
    }

    [Fact]
    public void InputsAreDescribedByTheirParts()
    {
        Assert.Equal(Writes * Cells + Reads + Reads * Cells, FreenessInputs.ParamSize(Writes, Cells, Reads));
        Assert.Equal([8, 2, 8], FreenessInputs.PartSizes(Writes, Cells, Reads));
        Assert.Equal(["write_weights", "free_gate", "read_weights"], FreenessInputs.PartNames);
        var (w, f, r, _) = RandomInputs(1);
        var parts = FreenessInputs.Split(FreenessInputs.Pack(w, f, r), Writes, Cells, Reads);
        Assert.Equal(w.ToArray(), parts.WriteWeights.ToArray());
        Assert.Equal([Batch, Writes, Cells], parts.WriteWeights.ShapeArray());
        Assert.Equal(f.ToArray(), parts.FreeGate.ToArray());
        Assert.Equal(r.ToArray(), parts.ReadWeights.ToArray());
        Assert.Equal(["usage"], FreenessState.Paths);
    }

    [Fact]
    public void Step_EqualsTheUsageUpdate_InValuesAndGradients()
    {
        var (w, f, r, u) = RandomInputs(2);
        var core = new Freeness(Cells, numReads: Reads, numWrites: Writes);
        Tensor[] coreLeaves = [w.Clone().RequireGrad(), f.Clone().RequireGrad(), r.Clone().RequireGrad(), u.Clone().RequireGrad()];
        Tensor[] plainLeaves = [w.Clone().RequireGrad(), f.Clone().RequireGrad(), r.Clone().RequireGrad(), u.Clone().RequireGrad()];

        var (output, state) = core.Step(FreenessInputs.Pack(coreLeaves[0], coreLeaves[1], coreLeaves[2]), new FreenessState(coreLeaves[3]));
        var expected = Usage.Update(plainLeaves[3], plainLeaves[0], plainLeaves[1], plainLeaves[2]);
        Assert.Equal(expected.ToArray(), output.ToArray());
        Assert.Same(output, state.Usage);

        var probe = Tensor.Uniform(new Generator(3), [Batch, Cells], -1f, 1f);
        (output * probe).Sum().Backward();
        (expected * probe).Sum().Backward();
        for (int i = 1; i < 4; i++)
        {
            Assert.NotNull(coreLeaves[i].Grad);
            Assert.Equal(plainLeaves[i].Grad!.ToArray(), coreLeaves[i].Grad!.ToArray());
        }
        // The writes enter through a stop-gradient in both forms.
        Assert.Null(plainLeaves[0].Grad);
        Assert.All(coreLeaves[0].Grad?.ToArray() ?? [], g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Step_GradientsMatchFiniteDifferences()
    {
        var (w, f, r, u) = RandomInputs(4);
        var core = new Freeness(Cells, numReads: Reads, numWrites: Writes);
        FiniteDifference.Check(x => core.Step(FreenessInputs.Pack(w, x[0], x[1]), new FreenessState(x[2])).Output, [f, r, u], eps: 1e-3f);
        foreach (var checkedTensor in new[] { f, r, u })
            Assert.Contains(checkedTensor.Grad!.Values.ToArray(), g => MathF.Abs(g) > 1e-4f);
    }

    [Fact]
    public void FullyWrittenCell_HasUsageExactlyOne()
    {
        var core = new Freeness(memorySize: 3);
        var input = FreenessInputs.Pack(new Tensor([0f, 1f, 0f], 1, 1, 3), Tensor.Zeros(1, 1), Tensor.Zeros(1, 1, 3));
        var (usage, _) = core.Step(input, new FreenessState(new Tensor([0.3f, 0.2f, 0f], 1, 3)));
        Assert.Equal([0.3f, 1f, 0f], usage.ToArray());
    }

    [Fact]
    public void FullyFreedReadCell_HasUsageExactlyZero()
    {
        var core = new Freeness(memorySize: 3, numReads: 2);
        var input = FreenessInputs.Pack(Tensor.Zeros(1, 1, 3), new Tensor([1f, 0.5f], 1, 2), new Tensor([0f, 0f, 1f, 0f, 0f, 0f], 1, 2, 3));
        var (usage, _) = core.Step(input, new FreenessState(new Tensor([0.3f, 0.9f, 0.6f], 1, 3)));
        Assert.Equal([0.3f, 0.9f, 0f], usage.ToArray());
    }

    [Fact]
    public void Unroll_IteratesTheUsageUpdate()
    {
        var core = new Freeness(Cells, numReads: Reads, numWrites: Writes);
        var steps = Enumerable.Range(0, 3).Select(t => RandomInputs(10 + (ulong)t)).ToArray();
        var inputs = Tensor.Stack(0, [.. steps.Select(s => FreenessInputs.Pack(s.Write, s.Free, s.Read))]);
        var run = DynamicRnn.Unroll(core, inputs, captureStates: true);

        var usage = Tensor.Zeros(Batch, Cells);
        foreach (var s in steps) usage = Usage.Update(usage, s.Write, s.Free, s.Read);
        Assert.Equal([3, Batch, Cells], run.Outputs.ShapeArray());
        Assert.Equal(usage.ToArray(), run.FinalState.Usage.ToArray());
        Assert.Equal(usage.ToArray(), run.Outputs.Slice(0, 2, 1).ToArray());
    }

    [Fact]
    public void WrongInputWidth_IsRejectedNamingThePathAndTheSizes()
    {
        var core = new Freeness(Cells, numReads: Reads, numWrites: Writes);
        var ex = Assert.Throws<ShapeMismatchException>(() => core.Step(Tensor.Zeros(1, 17), core.InitialState(1)));
        Assert.Equal("freeness: input must be [1, 18] (W·N + R + R·N), got [1, 17]", ex.Message);
    }
}
