using Modules.Dnc.Kernels;
using Modules.Dnc.Sparse;
using Modules.Tensors;
using static Modules.Dnc.Tests.Sparse.SparseTestModels;

namespace Modules.Dnc.Tests.Sparse;

/// <summary>
/// The least-recently-used tree against the O(N) scan it replaced, alone and inside SAM steps (batch entries, detached
/// states, a usage restored from its values), and SAM steps on one thread and on several.
/// </summary>
public class SparseLeastRecentlyUsedTests
{
    /// <summary>The definition: the row with the smallest last access, the lowest such row on ties (a scan keeping the first strictly smaller value).</summary>
    private static int Scan(ReadOnlySpan<float> lastAccess)
    {
        int best = 0;
        for (int i = 1; i < lastAccess.Length; i++)
            if (lastAccess[i] < lastAccess[best]) best = i;
        return best;
    }

    [Fact]
    public void Least_IsTheSmallestLastAccess_LowerRowOnTies()
    {
        float[][] cases = [[3f, 1f, 1f, 2f], [0f, 0f, 0f], [4f, 5f, 6f, 2f], [7f], [2f, 2f, 2f, 2f, 2f, 1f, 1f]];
        int[] expected = [1, 0, 3, 0, 5];
        for (int i = 0; i < cases.Length; i++)
            Assert.Equal(expected[i], new LeastRecentlyUsedTree(cases[i]).Least(cases[i]));

        float[] usage = [3f, 1f, 1f, 2f];
        var tree = new LeastRecentlyUsedTree(usage);
        usage[1] = 5f;
        tree.Update(usage, 1);
        Assert.Equal(2, tree.Least(usage));
        usage[2] = 5f;
        tree.Update(usage, 2);
        Assert.Equal(3, tree.Least(usage));
        usage[0] = 0f;
        tree.Update(usage, 0);
        Assert.Equal(0, tree.Least(usage));
    }

    /// <summary>
    /// Property: over random sizes (1 … 300, powers of two and not) and random sequences of changes, from step-like times
    /// with many ties to arbitrary values with ±0, ±∞ and NaN, the tree's row equals the scan's after every change.
    /// </summary>
    [Fact]
    public void Least_AfterRandomChanges_EqualsTheScan()
    {
        var random = new Generator(101);
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f];
        int checkedCount = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            int n = trial < 8 ? trial + 1 : trial % 5 == 0 ? 1 << random.NextInt(1, 9) : random.NextInt(1, 301);
            bool arbitrary = trial % 3 == 2;
            float Value(int time) => arbitrary && random.NextInt(0, 4) == 0 ? specials[random.NextInt(0, specials.Length)]
                : arbitrary ? (float)random.NextNormal() : random.NextInt(0, Math.Max(1, time / 2)) + time / 2;
            var usage = new float[n];
            for (int i = 0; i < n; i++) usage[i] = Value(random.NextInt(0, 6));
            var tree = new LeastRecentlyUsedTree(usage);
            Assert.Equal(Scan(usage), tree.Least(usage));
            for (int time = 1; time < 60; time++)
            {
                int changes = random.NextInt(0, Math.Min(n, 9) + 1);
                for (int c = 0; c < changes; c++)
                {
                    // Mostly a use at the current step (as SAM marks rows), sometimes any value (an earlier state stepped from again).
                    int row = random.NextInt(0, n);
                    usage[row] = random.NextInt(0, 5) == 0 ? Value(random.NextInt(0, time + 1)) : arbitrary ? Value(time) : time;
                    tree.Update(usage, row);
                }
                Assert.Equal(Scan(usage), tree.Least(usage));
                checkedCount++;
            }
        }
        Assert.Equal(300 * 59, checkedCount);
    }

    /// <summary>
    /// In a SAM run of 3 batch entries over a small memory (many ties), every step's least recently used row (the last
    /// write slot that is not a previous read row, when it is not one) is the scan's over the usage before the step, also
    /// after the state is detached (the trees are kept) and after the usage is replaced by a copy of its values (rebuilt).
    /// </summary>
    [Fact]
    public void SamSteps_WriteTheRowTheScanFinds()
    {
        const int batch = 3, n = 10;
        var sam = new Sam(SmallSam(memory: n, reads: 2, k: 2));
        sam.Seed(7);
        var state = sam.InitialState(batch);
        var random = new Generator(8);
        for (int t = 0; t < 40; t++)
        {
            if (t == 15) state = state.Detach();
            if (t == 25) state = state with { Access = state.Access with { LastAccess = state.Access.LastAccess.Clone() } };
            var usage = state.Access.LastAccess.ToArray();
            var reads = state.Access.ReadIndices.ToArray();
            (_, state) = sam.Step(Tensor.Normal(random, [batch, 3]), state);
            var writes = state.Access.WriteIndices.ToArray();
            for (int b = 0; b < batch; b++)
            {
                int lru = Scan(usage.AsSpan(b * n, n));
                var entryWrites = writes.AsSpan(b * 5, 5).ToArray();
                Assert.Contains((float)lru, entryWrites);
                // The LRU row is appended after the distinct previous reads unless it is one of them.
                var previous = reads.AsSpan(b * 4, 4).ToArray().Where(r => r >= 0).Distinct().ToArray();
                if (!previous.Contains(lru)) Assert.Equal(lru, (int)entryWrites[previous.Length]);
            }
        }
    }

    /// <summary>
    /// Steps from a state whose usage and memory were copied into new tensors (as a state restored from saved values) give
    /// the same outputs as steps from the original: the trees are rebuilt from the values alone.
    /// </summary>
    [Fact]
    public void StateCopiedThroughItsValues_StepsAsTheOriginal()
    {
        var sam = new Sam(SmallSam(memory: 12, reads: 2, k: 2));
        sam.Seed(9);
        var inputs = Tensor.Normal(new Generator(10), [12, 2, 3]);
        var state = sam.InitialState(2);
        for (int t = 0; t < 6; t++) (_, state) = sam.Step(inputs.Slice(0, t, 1).Reshape(2, 3), state);
        var copy = SamState.Unflatten(state.Flatten().Select(x => x.Clone()).ToList());
        for (int t = 6; t < 12; t++)
        {
            var input = inputs.Slice(0, t, 1).Reshape(2, 3);
            var (output, next) = sam.Step(input, state);
            var (copyOutput, copyNext) = sam.Step(input, copy);
            Assert.Equal(output.ToArray(), copyOutput.ToArray());
            Assert.Equal(next.Access.WriteIndices.ToArray(), copyNext.Access.WriteIndices.ToArray());
            (state, copy) = (next, copyNext);
        }
    }

    /// <summary>
    /// A detached state keeps its memory's indexes (no index is opened again) but not its record of writers: the backward
    /// pass of a step from it visits the rows that step wrote and nothing written before the detach, as when the earlier
    /// steps ran without gradients, and fewer rows than a step from the state itself.
    /// </summary>
    [Fact]
    public void DetachedState_KeepsTheIndexesButNotTheGradientRecord()
    {
        (int Opened, long RowsVisited) Run(string history)
        {
            var search = new CountingSearch();
            var sam = new Sam(SmallSam(memory: 16, reads: 2, k: 2) with { Index = search });
            sam.Seed(11);
            var inputs = Tensor.Normal(new Generator(12), [4, 2, 3]);
            var state = sam.InitialState(2);
            IDisposable? scope = history == "no-grad" ? Tensor.NoGrad() : null;
            for (int t = 0; t < 3; t++) (_, state) = sam.Step(inputs.Slice(0, t, 1).Reshape(2, 3), state);
            scope?.Dispose();
            Assert.Equal(2, search.Opened);
            var (output, _) = sam.Step(inputs.Slice(0, 3, 1).Reshape(2, 3), history == "detached" ? state.Detach() : state);
            SparseGradientStatistics.Reset();
            output.Sum().Backward();
            return (search.Opened, SparseGradientStatistics.RowsVisited);
        }

        var detached = Run("detached");
        Assert.Equal(Run("no-grad"), detached);
        Assert.Equal(2, detached.Opened);
        var attached = Run("attached");
        Assert.True(attached.RowsVisited > detached.RowsVisited, $"attached {attached.RowsVisited} rows, detached {detached.RowsVisited}");
    }

    /// <summary>
    /// Property: SAM and SDNC steps with their backward passes give bit-identical outputs, states and gradients serially,
    /// on two threads below and above the work threshold, with the exact search and the forest.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Steps_OnOneThreadAndOnSeveral_AreBitIdentical(bool forest, bool links)
    {
        float[][] Run(int threads, long minimumWork)
        {
            int savedThreads = BatchParallel.MaxDegreeOfParallelism;
            long savedWork = BatchParallel.MinimumParallelWork;
            try
            {
                BatchParallel.MaxDegreeOfParallelism = threads;
                BatchParallel.MinimumParallelWork = minimumWork;
                INearestNeighbours search = forest ? new RandomisedKdForest(trees: 2, leafSize: 4, checks: 24) : ExactNearestNeighbours.Instance;
                var inputs = Tensor.Normal(new Generator(13), [5, 4, 3]);
                Module core;
                Tensor outputs;
                if (links)
                {
                    var sdnc = new Sdnc(SmallSdnc(memory: 64, word: 8) with { Index = search });
                    sdnc.Seed(14);
                    outputs = Unroll(sdnc, inputs);
                    core = sdnc;
                }
                else
                {
                    var sam = new Sam(SmallSam(memory: 64, word: 8) with { Index = search });
                    sam.Seed(14);
                    outputs = Unroll(sam, inputs);
                    core = sam;
                }
                (outputs * Tensor.Normal(new Generator(15), outputs.ShapeArray())).Sum().Backward();
                return [outputs.ToArray(), .. core.Parameters().Select(p => p.Grad!.ToArray())];
            }
            finally
            {
                BatchParallel.MaxDegreeOfParallelism = savedThreads;
                BatchParallel.MinimumParallelWork = savedWork;
            }
        }

        var serial = Run(1, 0);
        foreach (var (threads, work) in new[] { (2, 0L), (2, long.MaxValue), (4, 0L) })
        {
            var other = Run(threads, work);
            Assert.Equal(serial.Length, other.Length);
            for (int i = 0; i < serial.Length; i++) Assert.Equal(serial[i], other[i]);
        }
    }

    /// <summary>The exact search, counting the indexes opened.</summary>
    private sealed class CountingSearch : INearestNeighbours
    {
        private int opened;

        public int Opened => opened;

        public void Search(ReadOnlySpan<float> memory, int wordSize, ReadOnlySpan<float> keys, int count, Span<int> indices, Span<float> similarities) =>
            ExactNearestNeighbours.Instance.Search(memory, wordSize, keys, count, indices, similarities);

        public INearestNeighbourIndex Open(ReadOnlySpan<float> memory, int wordSize)
        {
            Interlocked.Increment(ref opened);
            return ExactNearestNeighbours.Instance.Open(memory, wordSize);
        }
    }
}
