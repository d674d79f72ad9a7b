using Modules.Tensors;

namespace Modules.Dnc.Tests;

public class MemoryAccessTests
{
    private const float Big = 100f;   // sigmoid(±100) is 1 / 0 in float32

    /// <summary>A raw interface with every gate and mode chosen by the caller; B = 1, R = 1, W = 1.</summary>
    private static AccessInterface Interface(int n, int wd, float freeGate = -Big, float allocationGate = Big, float writeGate = Big,
        float[]? readKey = null, float readStrength = 0f, float[]? readMode = null, float[]? writeVector = null, float erase = -Big) => new(
        ReadKeys: new Tensor(readKey ?? new float[wd], 1, 1, wd),
        ReadStrengths: new Tensor([readStrength], 1, 1),
        WriteKeys: Tensor.Zeros(1, 1, wd),
        WriteStrengths: Tensor.Zeros(1, 1),
        EraseVectors: Tensor.Full([1, 1, wd], erase),
        WriteVectors: new Tensor(writeVector ?? new float[wd], 1, 1, wd),
        FreeGate: new Tensor([freeGate], 1, 1),
        AllocationGate: new Tensor([allocationGate], 1, 1),
        WriteGate: new Tensor([writeGate], 1, 1),
        ReadMode: new Tensor(readMode ?? [0f, 0f, Big], 1, 1, 3));

    private static MemoryAccess Access(int n, int wd) => new(n, wd, numReads: 1, numWrites: 1);

    [Fact]
    public void WriteWeights_ConcentrateOnTheOneUnusedCell_WhenAllocationAndWriteGatesAreOne()
    {
        int n = 4, wd = 2;
        var state = Access(n, wd).InitialState(1) with { Usage = new Tensor([1f, 1f, 0f, 1f], 1, n) };
        var (_, next) = Access(n, wd).Apply(Interface(n, wd, writeVector: [3f, -2f]), state);
        var w = next.WriteWeights.Values;
        Assert.True(w[2] > 1f - 1e-5f, $"weight on the free cell {w[2]}");
        Assert.Equal(3f, next.Memory.At(0, 2, 0), 1e-4f);
        Assert.Equal(-2f, next.Memory.At(0, 2, 1), 1e-4f);
        Assert.Equal(1f, next.Usage.Values[0]);
    }

    [Fact]
    public void ReadWeights_ConcentrateOnTheCellEqualToTheKey_InContentModeWithStrength100()
    {
        int n = 5, wd = 3;
        var rng = new Generator(21);
        var memory = Tensor.Normal(rng, [1, n, wd]);
        var key = memory.Values.Slice(3 * wd, wd).ToArray();
        var state = Access(n, wd).InitialState(1) with { Memory = memory };
        // Write gate 0: memory stays as it is.
        var (words, next) = Access(n, wd).Apply(Interface(n, wd, writeGate: -Big, readKey: key, readStrength: 100f), state);
        Assert.True(next.ReadWeights.Values[3] > 0.99f, $"weight on the matching cell {next.ReadWeights.Values[3]}");
        FiniteDifference.AssertClose(key, words.Values, 0, 2e-2, "read word");
    }

    [Fact]
    public void ForwardMode_FollowsTheOrderOfWriting()
    {
        int n = 4, wd = 2;
        var state = Access(n, wd).InitialState(1);
        // Two allocated writes into free memory, the read head content-mode on the first written cell (0).
        // The first write leaves ε on cell 1 and ε² on cell 2 (which rounds away against 1 − u), so the
        // second write goes to cell 2.
        (_, state) = Access(n, wd).Apply(Interface(n, wd, writeVector: [1f, 0f]), state);
        (_, state) = Access(n, wd).Apply(Interface(n, wd, writeVector: [0f, 1f], readKey: [1f, 0f], readStrength: 100f), state);
        Assert.True(state.ReadWeights.Values[0] > 0.99f);
        Assert.True(state.WriteWeights.Values[2] > 0.99f, $"second write on cell 2: {state.WriteWeights.Values[2]}");
        // Third step: no write, forward mode only → the read moves to the cell written after cell 0; backward
        // mode from there moves back.
        var (words, next) = Access(n, wd).Apply(Interface(n, wd, writeGate: -Big, readMode: [-Big, Big, -Big]), state);
        Assert.True(next.ReadWeights.Values[2] > 0.98f, $"forward read weight on cell 2: {next.ReadWeights.Values[2]}");
        FiniteDifference.AssertClose([0f, 1f], words.Values, 0, 2e-2, "read word");
        var (back, _) = Access(n, wd).Apply(Interface(n, wd, writeGate: -Big, readMode: [Big, -Big, -Big]), next);
        FiniteDifference.AssertClose([1f, 0f], back.Values, 0, 3e-2, "read word after a backward step");
    }

    [Fact]
    public void Module_SizesHeadsFromTheDeclaredParts_AndTracesEveryStep()
    {
        var access = new MemoryAccess(memorySize: 6, wordSize: 3, numReads: 2, numWrites: 2);
        // R·Wd + R + W·Wd + W + W·Wd + W·Wd + R + W + W + R·(1 + 2W)
        Assert.Equal(6 + 2 + 6 + 2 + 6 + 6 + 2 + 2 + 2 + 10, access.InterfaceSize);
        var traces = new List<MemoryTrace>();
        access.Trace = traces.Add;
        var run = DynamicRnn.Unroll(access, Tensor.Normal(new Generator(1), [3, 4, 5]));
        Assert.Equal([3, 4, 2, 3], run.Outputs.ShapeArray());
        Assert.Equal(3, traces.Count);
        Assert.Equal([4, 2, 6], traces[2].WriteWeights.ShapeArray());
        Assert.Equal([4, 2, 6], traces[2].ReadWeights.ShapeArray());
        Assert.Equal([4, 6], traces[2].Usage!.ShapeArray());
        Assert.Equal([4, 2, 5], traces[2].ReadModes!.ShapeArray());
        Assert.Equal(run.FinalState.Memory.ToArray(), traces[2].Memory!.ToArray());
        Assert.Equal(run.FinalState.Linkage.Link.ToArray(), traces[2].Link!.ToArray());
        Assert.Equal(run.FinalState.ReadWeights.ToArray(), traces[2].ReadWeights.ToArray());
        Assert.Equal(["read_keys", "read_strengths", "write_keys", "write_strengths", "erase_vectors", "write_vectors",
            "free_gate", "allocation_gate", "write_gate", "read_mode"],
            access.NamedParameters().Where(p => p.Key.EndsWith("/w", StringComparison.Ordinal)).Select(p => p.Key.Split('/')[1]));
    }

    /// <summary>Through two steps; with <see cref="MemoryAccess.ReadBeforeWrite"/> the previous memory also carries the
    /// read lookup's and read words' gradients.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Step_GradientsWithRespectToControllerOutputAndPreviousMemory_MatchFiniteDifferences(bool readBeforeWrite)
    {
        var access = new MemoryAccess(memorySize: 4, wordSize: 3, numReads: 2, numWrites: 2) { ReadBeforeWrite = readBeforeWrite };
        var rng = new Generator(8);
        var start = access.InitialState(2) with { Usage = Tensor.Uniform(rng, [2, 4], 0.05f, 0.3f) };
        FiniteDifference.Check(x =>
        {
            var s = start with { Memory = x[1] };
            var (words, next) = access.Step(x[0], s);
            var (words2, _) = access.Step(x[0] * 0.5f, next);
            return words + words2;
        }, [Tensor.Normal(rng, [2, 5], 0f, 0.5f), Tensor.Normal(rng, [2, 4, 3], 0f, 0.5f)], eps: 1e-2f, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void WrongInputShape_NamesTheModulePathAndShapes()
    {
        var access = new MemoryAccess(memorySize: 4, wordSize: 3, numReads: 1, numWrites: 1);
        var ex = Assert.Throws<ShapeMismatchException>(() => access.Step(Tensor.Zeros(2, 3, 5), access.InitialState(2)));
        Assert.Equal("memory_access: input must be [?, ?] ([B, H]), got [2, 3, 5]", ex.Message);
        var ex2 = Assert.Throws<ShapeMismatchException>(() => access.Step(Tensor.Zeros(2, 5), access.InitialState(3)));
        Assert.Equal("memory_access: memory must be [2, 4, 3], got [3, 4, 3]", ex2.Message);
        Assert.Equal("memory_access", ex2.Op);
        Assert.Equal([2, 4, 3], ex2.Expected);
        Assert.Equal([3, 4, 3], ex2.Actual);
    }
    /// <summary>The step keeps the heads' parameter arrays between steps; loading values into the parameters must still
    /// reach the next step (checked against a second module given the same values before its step).</summary>
    [Fact]
    public void A_step_after_parameters_were_loaded_uses_the_loaded_values()
    {
        var rng = new Generator(3);
        var x = Tensor.Normal(rng, [2, 6]);
        var access = new MemoryAccess(memorySize: 5, wordSize: 3, numReads: 2, numWrites: 1);
        var before = access.Step(x, access.InitialState(2)).Output.ToArray();
        access.SetParameter("memory_access/read_keys/w", Tensor.Normal(rng, [6, 6]));
        var after = access.Step(x, access.InitialState(2)).Output.ToArray();

        var other = new MemoryAccess(memorySize: 5, wordSize: 3, numReads: 2, numWrites: 1);
        other.Step(x, other.InitialState(2));
        foreach (var (name, value) in access.NamedParameters()) other.SetParameter(name, value.Clone());
        var expected = other.Step(x, other.InitialState(2)).Output.ToArray();

        Assert.NotEqual(before, after);
        Assert.Equal(expected, after);
    }
}
