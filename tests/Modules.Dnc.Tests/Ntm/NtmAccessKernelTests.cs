using Modules.Dnc.Kernels;
using Modules.Dnc.Tests.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

/// <summary>
/// The NTM's whole memory step as one op (<see cref="NtmAccessKernel.Step"/>: address, erase and add, address, read) against
/// the op-by-op composition (<see cref="UnfusedNtmAddressing"/>, <see cref="UnfusedReference.EraseAndWrite"/>, a batched
/// product for the read), values and gradients of every input, alone and chained over steps as the core chains it; finite
/// differences; and the items of a batch computed on several threads bit for bit as each alone.
/// </summary>
public class NtmAccessKernelTests
{
    /// <summary>
    /// Memory [B, N, Wd], previous write weights [B, W, N], previous read weights [B, R, N], the write heads' parts (keys,
    /// strengths, gates, shifts, sharpening), erase logits and add vectors [B, W, Wd], the read heads' parts.
    /// </summary>
    private static Tensor[] Inputs(ulong seed, int batch, int writes, int reads, int cells, int width)
    {
        var g = new Generator(seed);
        return
        [
            Tensor.Normal(g, [batch, cells, width]), Tensor.Softmax(Tensor.Normal(g, [batch, writes, cells]), -1),
            Tensor.Softmax(Tensor.Normal(g, [batch, reads, cells]), -1), .. Head(g, batch, writes, width),
            Tensor.Normal(g, [batch, writes, width]), Tensor.Normal(g, [batch, writes, width]), .. Head(g, batch, reads, width),
        ];
    }

    /// <summary>One step's head parameters and erase and add vectors for a chain: inputs 3 … 14 of <see cref="Inputs"/>.</summary>
    private static Tensor[] StepParts(ulong seed, int batch, int writes, int reads, int width)
    {
        var g = new Generator(seed);
        return [.. Head(g, batch, writes, width), Tensor.Normal(g, [batch, writes, width]), Tensor.Normal(g, [batch, writes, width]), .. Head(g, batch, reads, width)];
    }

    private static Tensor[] Head(Generator g, int batch, int heads, int width) =>
    [
        Tensor.Normal(g, [batch, heads, width]), Tensor.Normal(g, [batch, heads], 0f, 2f), Tensor.Normal(g, [batch, heads]),
        Tensor.Normal(g, [batch, heads, 3]), Tensor.Normal(g, [batch, heads]),
    ];

    private delegate (Tensor Memory, Tensor WriteWeights, Tensor ReadWeights, Tensor ReadWords) StepFunction(Tensor[] x);

    private static readonly StepFunction Fused = x => NtmAccessKernel.Step(x[0], x[1], x[2],
        new NtmHeadInterface(x[3], x[4], x[5], x[6], x[7]), x[8], x[9], new NtmHeadInterface(x[10], x[11], x[12], x[13], x[14]));

    /// <summary>The op-by-op composition: every part its own op with its own backward.</summary>
    private static readonly StepFunction Unfused = x =>
    {
        var writeWeights = UnfusedNtmAddressing.Address(x[0], x[1], new NtmHeadInterface(x[3], x[4], x[5], x[6], x[7]));
        var memory = UnfusedReference.EraseAndWrite(x[0], writeWeights, Tensor.Sigmoid(x[8]), x[9]);
        var readWeights = UnfusedNtmAddressing.Address(memory, x[2], new NtmHeadInterface(x[10], x[11], x[12], x[13], x[14]));
        return (memory, writeWeights, readWeights, Tensor.MatMul(readWeights, memory));
    };

    private static Func<Tensor[], Tensor> Joined(StepFunction step, bool memory = true, bool writeWeights = true, bool readWeights = true) =>
        x => Join(Outputs(step(x)), memory, writeWeights, readWeights);

    private static Tensor[] Outputs((Tensor Memory, Tensor WriteWeights, Tensor ReadWeights, Tensor ReadWords) o) =>
        [o.Memory, o.WriteWeights, o.ReadWeights, o.ReadWords];

    /// <summary>The read words and the chosen outputs, each flattened per item, side by side: [B, …].</summary>
    private static Tensor Join(Tensor[] o, bool memory = true, bool writeWeights = true, bool readWeights = true)
    {
        int batch = o[0].Dim(0);
        var parts = new List<Tensor> { o[3].Reshape(batch, -1) };
        if (memory) parts.Add(o[0].Reshape(batch, -1));
        if (writeWeights) parts.Add(o[1].Reshape(batch, -1));
        if (readWeights) parts.Add(o[2].Reshape(batch, -1));
        return Tensor.Concat(-1, [.. parts]);
    }

    [Theory]
    [InlineData(2, 1, 1, 5, 3)]
    [InlineData(2, 2, 3, 7, 4)]
    [InlineData(3, 1, 2, 16, 16)]
    [InlineData(2, 1, 1, 128, 20)]   // the paper's copy configuration
    public void ForwardAndGradients_MatchTheUnfusedComposition(int batch, int writes, int reads, int cells, int width)
    {
        KernelComparison.AssertSameForwardAndGradients(Joined(Fused), Joined(Unfused), Inputs(61, batch, writes, reads, cells, width),
            rtol: 1e-4, atol: 1e-6);
    }

    [Theory]
    [InlineData(false, true, true)]    // the last step: nothing reads the new memory
    [InlineData(true, false, false)]   // nor the weights
    [InlineData(false, false, false)]  // only the read words
    public void Gradients_WithSomeOutputsUnused_MatchTheUnfusedComposition(bool memory, bool writeWeights, bool readWeights)
    {
        KernelComparison.AssertSameForwardAndGradients(Joined(Fused, memory, writeWeights, readWeights),
            Joined(Unfused, memory, writeWeights, readWeights), Inputs(62, 2, 2, 2, 9, 5), rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void FirstStep_WithConstantMemoryAndWeights_GivesTheSameGradients_AndNoneForThem()
    {
        var differentiable = Enumerable.Range(0, 15).Select(i => i >= 3).ToArray();
        KernelComparison.AssertSameForwardAndGradients(Joined(Fused), Joined(Unfused), Inputs(63, 2, 1, 1, 8, 4), rtol: 1e-4, atol: 1e-6,
            differentiable: differentiable);
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_WithTwoWriteAndTwoReadHeads()
    {
        FiniteDifference.Check(Joined(Fused), Inputs(64, 2, 2, 2, 5, 3), eps: 1e-3f, atol: 1e-3);
    }

    [Fact]
    public void Gradients_OverThreeChainedSteps_MatchFiniteDifferences()
    {
        // The new memory and both weights feed the next step, so their gradients arrive from it as the core's do.
        var first = Inputs(65, 2, 1, 2, 5, 3);
        FiniteDifference.Check(x => Join(Chain(Fused, x, 3)), [.. first, .. StepParts(66, 2, 1, 2, 3), .. StepParts(67, 2, 1, 2, 3)],
            eps: 1e-3f, atol: 1e-3);
    }

    [Theory]
    [InlineData(2, 1, 1, 16, 8)]
    [InlineData(2, 2, 3, 9, 5)]
    public void Gradients_OverFourChainedSteps_MatchTheUnfusedComposition(int batch, int writes, int reads, int cells, int width)
    {
        Tensor[] x = [.. Inputs(68, batch, writes, reads, cells, width), .. Enumerable.Range(0, 3).SelectMany(t => StepParts(69 + (ulong)t, batch, writes, reads, width))];
        KernelComparison.AssertSameForwardAndGradients(y => Join(Chain(Fused, y, 4)), y => Join(Chain(Unfused, y, 4)), x,
            rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void Gradients_WhenOneMemoryFeedsTwoSteps_MatchTheUnfusedComposition()
    {
        // The first step's memory feeds two steps in turn: the first finds it transposed by the step that made it, the
        // second, after another step was made, transposes it itself; both, and their backwards, must agree with the composition.
        const int batch = 2, writes = 1, reads = 2, cells = 9, width = 5;
        Tensor[] x = [.. Inputs(73, batch, writes, reads, cells, width), .. StepParts(74, batch, writes, reads, width), .. StepParts(75, batch, writes, reads, width)];
        Func<Tensor[], Tensor> Branches(StepFunction step) => y =>
        {
            var o = Outputs(step(y[..15]));
            var left = Outputs(step([o[0], o[1], o[2], .. y[15..27]]));
            var right = Outputs(step([o[0], o[1], o[2], .. y[27..39]]));
            return Tensor.Concat(-1, Join(left), Join(right));
        };
        KernelComparison.AssertSameForwardAndGradients(Branches(Fused), Branches(Unfused), x, rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void Gradients_AfterAnEarlierPass_EqualThoseOfTheSamePassAlone()
    {
        // The kernel keeps the memory gradient it returned, transposed, for the step before it. The backward arena lends
        // the same gradient tensor objects to every pass, so the first pass's kept gradient object comes back in the second
        // as the gradient of the new memory (here from the product with the probe): a gradient found by that object alone
        // would be the first pass's values. Each pass on a thread of its own, so the kernel's and the arena's state start empty.
        const int batch = 2, writes = 1, reads = 2, cells = 9, width = 5;
        var first = Inputs(81, batch, writes, reads, cells, width);
        var second = Inputs(82, batch, writes, reads, cells, width);
        Func<Tensor[], Tensor> readsOnly = Joined(Fused, memory: false, writeWeights: false, readWeights: false);
        (float[] Output, float[][] Grads) OnThread(Func<(float[], float[][])> passes)
        {
            (float[], float[][]) result = default;
            var thread = new Thread(() => result = passes());
            thread.Start();
            thread.Join();
            return result;
        }
        // The second pass's loss reads the new memory through a product, whose backward rents the memory's gradient.
        (float[] Output, float[][] Grads) Second()
        {
            var x = second.Select(t => t.Clone().RequireGrad()).ToArray();
            var o = Fused(x);
            var g = new Generator(9);
            var loss = (o.Memory * Tensor.Uniform(g, o.Memory.ShapeArray(), -1f, 1f)).Sum()
                + (o.ReadWords * Tensor.Uniform(g, o.ReadWords.ShapeArray(), -1f, 1f)).Sum();
            loss.Backward();
            return (loss.ToArray(), x.Select(t => t.Grad!.ToArray()).ToArray());
        }
        var alone = OnThread(Second);
        var afterAnother = OnThread(() =>
        {
            Run(readsOnly, first, probeSeed: 8);
            return Second();
        });
        KernelComparison.AssertBitIdentical(alone.Output, afterAnother.Output, "loss");
        for (int i = 0; i < second.Length; i++)
            KernelComparison.AssertBitIdentical(alone.Grads[i], afterAnother.Grads[i], $"gradient {i}");
    }

    [Fact]
    public void LargeBatch_EqualsEachItemComputedAlone_BitForBit()
    {
        // Over the threshold where items run on several threads: (3W + 2R + 2)·N·Wd / lanes per item, times 16 items, well
        // above BatchParallel.MinimumParallelWork (2^18) at any vector width up to 16 lanes.
        const int batch = 16, writes = 1, reads = 2, cells = 512, width = 64;
        Assert.True(batch * 9L * cells * width / 16 > BatchParallel.MinimumParallelWork, "the batch should run on several threads");
        var inputs = Inputs(72, batch, writes, reads, cells, width);
        var (all, allGrads) = Run(Joined(Fused), inputs, probeSeed: 7);
        for (int b = 0; b < batch; b += 5)
        {
            var one = inputs.Select(x => x.Slice(0, b, 1).Clone()).ToArray();
            var (output, grads) = Run(Joined(Fused), one, probeSeed: 7, probeRow: b, probeRows: batch);
            int size = output.Length;
            KernelComparison.AssertBitIdentical(all.AsSpan(b * size, size), output, $"outputs of item {b}");
            for (int i = 0; i < inputs.Length; i++)
            {
                int per = inputs[i].Size / batch;
                KernelComparison.AssertBitIdentical(allGrads[i].AsSpan(b * per, per), grads[i], $"gradient {i} of item {b}");
            }
        }
    }

    /// <summary>
    /// <paramref name="steps"/> steps: the first from x[0 … 14], each later one from the previous step's memory and weights
    /// and the next 12 inputs (its heads' parts and erase and add vectors), its write keys shifted by the previous step's read
    /// words (summed over the read heads), so, as in the core, a step depends on the reads before it. Returns the last
    /// step's memory, weights and read words.
    /// </summary>
    private static Tensor[] Chain(StepFunction step, Tensor[] x, int steps)
    {
        var o = Outputs(step(x[..15]));
        for (int t = 1; t < steps; t++)
        {
            var parts = x[(15 + 12 * (t - 1))..(15 + 12 * t)];
            parts[0] = parts[0] + o[3].Sum(1, keepDim: true);
            o = Outputs(step([o[0], o[1], o[2], .. parts]));
        }
        return o;
    }

    private static (float[] Output, float[][] Grads) Run(Func<Tensor[], Tensor> f, Tensor[] inputs, ulong probeSeed, int probeRow = 0, int probeRows = 0)
    {
        var copies = inputs.Select(x => x.Clone().RequireGrad()).ToArray();
        var output = f(copies);
        // The whole batch's probe, so an item alone gets its own row of it.
        int rows = probeRows == 0 ? output.Dim(0) : probeRows;
        var probe = Tensor.Uniform(new Generator(probeSeed), [rows, output.Dim(1)], -1f, 1f).Slice(0, probeRow, output.Dim(0)).Clone();
        (output * probe).Sum().Backward();
        return (output.ToArray(), copies.Select(c => (c.Grad ?? Tensor.Zeros(c.ShapeArray())).ToArray()).ToArray());
    }
}
