using Modules.Dnc.Sparse;
using Modules.Tensors;
using static Modules.Dnc.Tests.Sparse.SparseTestModels;

namespace Modules.Dnc.Tests.Sparse;

public class SamTests
{
    [Fact]
    public void ParameterPaths_FollowDeepMindsStyle()
    {
        var sam = new Sam(SmallSam());
        sam.Step(Tensor.Zeros(2, 3), sam.InitialState(2));
        string[] heads = ["read_keys", "read_strengths", "write_vector", "erase_vector", "write_gate", "interpolation_gate"];
        Assert.Equal(
            new[] { "sam/lstm/w_gates", "sam/lstm/b_gates" }
                .Concat(heads.SelectMany(h => new[] { $"sam/memory_access/{h}/w", $"sam/memory_access/{h}/b" }))
                .Concat(["sam/output_linear/w", "sam/output_linear/b"]),
            sam.ParameterPaths());
        // Head sizes: R·Wd keys, R strengths, Wd write and erase vectors, one gate each.
        Assert.Equal([4, 2 * 3], Parameter(sam, "sam/memory_access/read_keys/w").ShapeArray());
        Assert.Equal([4, 1], Parameter(sam, "sam/memory_access/interpolation_gate/w").ShapeArray());
        Assert.Equal(["access_output", "access/memory", "access/read_indices", "access/read_weights", "access/write_indices",
            "access/write_weights", "access/last_access", "access/steps", "controller/hidden", "controller/cell"], SamState.Paths);
    }

    [Fact]
    public void SparseRead_WithKEqualToN_EqualsTheDenseContentRead()
    {
        const int batch = 2, n = 6, wd = 3, reads = 2;
        var access = new SparseMemoryAccess(n, wd, reads, sparseReads: n);
        access.Seed(4);
        var state = access.InitialState(batch);
        Tensor.Normal(new Generator(8), [batch, n, wd]).Values.CopyTo(state.Memory.Data);
        MemoryTrace? trace = null;
        access.Trace = t => trace = t;
        var controllerOutput = Tensor.Normal(new Generator(9), [batch, 5]);

        var (readWords, next) = access.Step(controllerOutput, state);

        // The keys and strengths the heads produced, and the dense DNC read on the memory after this step's write.
        var keys = (controllerOutput.MatMul(Parameter(access, "memory_access/read_keys/w")) + Parameter(access, "memory_access/read_keys/b"))
            .Reshape(batch, reads, wd);
        var strengths = controllerOutput.MatMul(Parameter(access, "memory_access/read_strengths/w")) + Parameter(access, "memory_access/read_strengths/b");
        var dense = CosineWeights.Compute(next.Memory, keys, strengths);
        FiniteDifference.AssertClose(dense.ToArray(), trace!.ReadWeights.Values, 1e-5, 1e-6, "read weights");
        FiniteDifference.AssertClose(Tensor.MatMul(dense, next.Memory).ToArray(), readWords.Values, 1e-5, 1e-6, "read words");
    }

    [Fact]
    public void Write_GoesToLastStepsReadRowsAndTheLeastRecentlyUsedRow_AndTouchesNothingElse()
    {
        const int n = 6, wd = 3;
        var access = new SparseMemoryAccess(n, wd, numReads: 2, sparseReads: 2);
        access.Step(Tensor.Zeros(1, 4), access.InitialState(1)); // connects the heads
        foreach (var (path, value) in access.NamedParameters())
        {
            value.Data.Clear();
            // α = σ(2), γ = σ(−1), e = σ(0) = 0.5, a = (1, −2, 3).
            if (path.EndsWith("write_gate/b")) value.Data.Fill(2f);
            if (path.EndsWith("interpolation_gate/b")) value.Data.Fill(-1f);
            if (path.EndsWith("write_vector/b")) new float[] { 1f, -2f, 3f }.CopyTo(value.Data);
        }
        var state = access.InitialState(1);
        var memory = Tensor.Normal(new Generator(2), [1, n, wd]);
        memory.Values.CopyTo(state.Memory.Data);
        new float[] { 1, 3, 3, 4 }.CopyTo(state.ReadIndices.Data);
        new float[] { 0.6f, 0.4f, 0.7f, 0.3f }.CopyTo(state.ReadWeights.Data);
        new float[] { 5, 2, 7, 9, 3, 1 }.CopyTo(state.LastAccess.Data);  // row 5 is the least recently used
        state.Steps.Data.Fill(9);

        var (_, next) = access.Step(Tensor.Zeros(1, 4), state);

        // Slots: the distinct rows read (1, 3, 4), then the LRU row 5; S = min(2·2 + 1, 6) = 5, so one slot is empty.
        Assert.Equal([1f, 3f, 4f, 5f, -1f], next.WriteIndices.ToArray());
        float alpha = 1f / (1f + MathF.Exp(-2f)), gamma = 1f / (1f + MathF.Exp(1f));
        // Mean over the two heads of last step's read weights: row 1: 0.6/2, row 3: (0.4 + 0.7)/2, row 4: 0.3/2.
        float[] expected = [alpha * gamma * 0.3f, alpha * gamma * 0.55f, alpha * gamma * 0.15f, alpha * (1f - gamma), 0f];
        FiniteDifference.AssertClose(expected, next.WriteWeights.Values, 1e-6, 1e-7, "write weights");
        for (int row = 0; row < n; row++)
        {
            int slot = Array.IndexOf(new[] { 1, 3, 4, 5 }, row);
            float w = slot < 0 ? 0f : expected[slot];
            float[] a = [1f, -2f, 3f];
            for (int i = 0; i < wd; i++)
            {
                float before = memory.Values[row * wd + i];
                float after = next.Memory.Values[row * wd + i];
                if (slot < 0) Assert.Equal(before, after); // untouched rows are not even rounded
                else Assert.Equal(before * (1f - w * 0.5f) + w * a[i], after, 5);
            }
        }
        // Usage: rows written or read with a weight above δ = 0.005 were used at step 10; the others keep their step.
        var readRows = next.ReadIndices.Values.ToArray();
        var readWeights = next.ReadWeights.Values.ToArray();
        float[] lastAccess = [5, 2, 7, 9, 3, 1];
        for (int s = 0; s < 4; s++)
            if (expected[s] > 0.005f) lastAccess[new[] { 1, 3, 4, 5 }[s]] = 10;
        for (int s = 0; s < readRows.Length; s++)
            if (readWeights[s] > 0.005f) lastAccess[(int)readRows[s]] = 10;
        Assert.Equal(lastAccess, next.LastAccess.ToArray());
        Assert.Equal([10f], next.Steps.ToArray());
    }

    [Fact]
    public void WriteSlots_AreLastStepsDistinctReadRowsThenTheLeastRecentlyUsedRow()
    {
        var sam = new Sam(SmallSam(memory: 8, reads: 2, k: 2));
        sam.Seed(1);
        var (_, state) = sam.Step(Tensor.Ones(1, 3), sam.InitialState(1));
        // From a fresh memory nothing was read before and every row is unused: the write goes to row 0 alone.
        Assert.Equal([0f, -1f, -1f, -1f, -1f], state.Access.WriteIndices.ToArray());
        for (int t = 0; t < 3; t++)
        {
            var previousReads = state.Access.ReadIndices.ToArray().Select(r => (int)r).ToArray();
            var lastAccess = state.Access.LastAccess.ToArray();
            int lru = Array.IndexOf(lastAccess, lastAccess.Min());
            var expected = previousReads.Distinct().ToList();
            if (!expected.Contains(lru)) expected.Add(lru);
            while (expected.Count < 5) expected.Add(-1);
            (_, state) = sam.Step(Tensor.Ones(1, 3), state);
            Assert.Equal(expected.Select(r => (float)r).ToArray(), state.Access.WriteIndices.ToArray());
        }
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_ThroughThreeSteps()
    {
        var sam = new Sam(SmallSam());
        sam.Seed(21);
        var inputs = Tensor.Normal(new Generator(22), [3, 2, 3]);
        Unroll(sam, inputs); // connects
        var parameters = sam.Parameters().ToArray();
        FiniteDifference.Check(x => Unroll(sam, x[0]), [inputs, .. parameters], eps: 1e-3f, rtol: 2e-2, atol: 2e-3);
        Assert.Contains(Parameter(sam, "sam/memory_access/write_vector/w").Grad!.ToArray(), g => g != 0f);
        Assert.Contains(Parameter(sam, "sam/memory_access/read_keys/w").Grad!.ToArray(), g => g != 0f);
        Assert.Contains(Parameter(sam, "sam/memory_access/interpolation_gate/w").Grad!.ToArray(), g => g != 0f);
    }

    [Fact]
    public void Backward_VisitsTheTouchedRows_IndependentlyOfTheMemorySize()
    {
        (long Rows, long Floats) Measure(int n, int k)
        {
            var sam = new Sam(SmallSam(memory: n, word: 4, k: k, reads: 2));
            sam.Seed(5);
            var loss = Unroll(sam, Tensor.Normal(new Generator(6), [4, 2, 3])).Sum();
            SparseGradientStatistics.Reset();
            loss.Backward();
            return (SparseGradientStatistics.RowsVisited, SparseGradientStatistics.FloatsAllocated);
        }

        var small = Measure(64, 2);
        var large = Measure(16_384, 2);
        Assert.Equal(small, large);
        Assert.True(small.Rows > 0);
        // At most every row read (T·B·R·K) and rewritten (T·B·S) once per step; gradients sized by the write slots (S·Wd).
        int steps = 4, batch = 2, reads = 2, k = 2, slots = reads * k + 1, wd = 4;
        Assert.InRange(small.Rows, 1, steps * batch * (reads * k + slots));
        Assert.InRange(small.Floats, 1, steps * steps * batch * slots * wd);
        var wider = Measure(64, 4);
        Assert.True(wider.Rows > small.Rows, $"K = 4 visits {wider.Rows} rows, K = 2 {small.Rows}");
    }

    [Fact]
    public void SteppingTwiceFromOneState_Throws()
    {
        var sam = new Sam(SmallSam());
        var initial = sam.InitialState(2);
        sam.Step(Tensor.Zeros(2, 3), initial);
        var ex = Assert.Throws<InvalidOperationException>(() => sam.Step(Tensor.Zeros(2, 3), initial));
        Assert.Contains("sam/memory_access", ex.Message);
        // A detached state starts a new record of the memory and may be stepped from.
        sam.Step(Tensor.Zeros(2, 3), initial.Detach());
    }

    [Fact]
    public void BadShapesAndOptions_AreNamed()
    {
        var sam = new Sam(SmallSam());
        var state = sam.InitialState(2);
        var wrong = state with { Access = state.Access with { Memory = Tensor.Zeros(2, 5, 3) } };
        var ex = Assert.Throws<ShapeMismatchException>(() => sam.Step(Tensor.Zeros(2, 3), wrong));
        Assert.Contains("sam/memory_access: memory must be [2, 6, 3], got [2, 5, 3]", ex.Message);
        var words = Assert.Throws<ShapeMismatchException>(() => sam.Step(Tensor.Zeros(3, 3), state));
        Assert.Contains("sam: previous read words must be [3, 2, 3], got [2, 2, 3]", words.Message);

        var k = Assert.Throws<ArgumentException>(() => new Sam(SmallSam() with { SparseReads = 7 }));
        Assert.Contains("SamOptions.SparseReads", k.Message);
        Assert.Contains("7", k.Message);
        var writes = Assert.Throws<ArgumentException>(() => new Sam(SmallSam() with { NumWrites = 2 }));
        Assert.Contains("SamOptions.NumWrites", writes.Message);
        Assert.Throws<ArgumentException>(() => new Sam(SmallSam() with { WordSize = 0 }));
    }

    [Fact]
    public void Trace_ReportsDenseWeightsAndUsage()
    {
        var sam = new Sam(SmallSam());
        MemoryTrace? trace = null;
        sam.Trace = t => trace = t;
        var (_, state) = sam.Step(Tensor.Ones(2, 3), sam.InitialState(2));
        Assert.Equal([2, 1, 6], trace!.WriteWeights.ShapeArray());
        Assert.Equal([2, 2, 6], trace.ReadWeights.ShapeArray());
        Assert.Equal([2, 6], trace.Usage!.ShapeArray());
        // Each head's K = 2 weights sum to 1; usage is steps since last use (0 for rows used now, 1 for the rest).
        for (int h = 0; h < 4; h++) Assert.Equal(1f, trace.ReadWeights.Values.Slice(h * 6, 6).ToArray().Sum(), 5);
        for (int i = 0; i < 12; i++) Assert.Equal(state.Access.LastAccess.Values[i] == 1f ? 0f : 1f, trace.Usage.Values[i]);
    }
}
