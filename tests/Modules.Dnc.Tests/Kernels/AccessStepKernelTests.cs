using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>
/// The memory step as two fused ops (<see cref="AccessStepKernel"/>, behind <see cref="MemoryAccess.Apply"/>) against the
/// same step composed op by op from the public parts (sigmoids, <see cref="Freeness"/>, <see cref="ContentAddressing"/>,
/// <see cref="MemoryAccess.EraseAndWrite"/>, <see cref="TemporalLinkage.StepAndRead"/>, the read words), and each fused op's
/// gradients against finite differences.
/// </summary>
public sealed class AccessStepKernelTests
{
    /// <summary>One step composed from the parts in DeepMind's order, as <see cref="MemoryAccess.Apply"/> ran before it was fused.</summary>
    private static (Tensor Words, AccessState State, Tensor ReadModes) Composed(MemoryAccess access, AccessInterface raw, AccessState state)
    {
        var freeGate = Tensor.Sigmoid(raw.FreeGate);
        var allocationGate = Tensor.Sigmoid(raw.AllocationGate);
        var writeGate = Tensor.Sigmoid(raw.WriteGate);
        var eraseVectors = Tensor.Sigmoid(raw.EraseVectors);
        var readModes = Tensor.Softmax(raw.ReadMode, -1);
        var usage = access.Freeness.Step(state.WriteWeights, freeGate, state.ReadWeights, state.Usage);
        var writeContent = access.WriteContentWeights.Forward(state.Memory, raw.WriteKeys, raw.WriteStrengths);
        var writeWeights = access.Freeness.WriteWeights(usage, writeContent, allocationGate, writeGate);
        var memory = MemoryAccess.EraseAndWrite(state.Memory, writeWeights, eraseVectors, raw.WriteVectors);
        var readContent = access.ReadContentWeights.Forward(memory, raw.ReadKeys, raw.ReadStrengths);
        var (readWeights, links) = access.Linkage.StepAndRead(writeWeights, state.Linkage, state.ReadWeights, readContent, readModes);
        var words = ReadWordsKernel.Compute(readWeights, memory);
        return (words, new AccessState(memory, readWeights, writeWeights, links, usage), readModes);
    }

    /// <summary>Random raw interface parts for B items, R reads, W writes and word Wd, as leaves that require gradients.</summary>
    private static Tensor[] RandomInterface(Generator rng, int batch, int reads, int writes, int width) =>
    [
        Tensor.Normal(rng, [batch, reads, width]), Tensor.Normal(rng, [batch, reads]), Tensor.Normal(rng, [batch, writes, width]),
        Tensor.Normal(rng, [batch, writes]), Tensor.Normal(rng, [batch, writes, width]), Tensor.Normal(rng, [batch, writes, width]),
        Tensor.Normal(rng, [batch, reads]), Tensor.Normal(rng, [batch, writes], 1f), Tensor.Normal(rng, [batch, writes], 1f),
        Tensor.Normal(rng, [batch, reads, 2 * writes + 1]),
    ];

    private static AccessInterface Interface(Tensor[] p) => new(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);

    /// <summary>
    /// Three steps from the zero state through <paramref name="step"/>, a loss over every read word and the final state,
    /// backward: the read words, every state tensor after each step, the trace values and every leaf's gradient.
    /// </summary>
    private static (List<float[]> Values, List<float[]> Gradients) Run(Func<AccessInterface, AccessState, (Tensor Words, AccessState State, Tensor Modes)> step,
        int batch, MemoryAccess access, Tensor[][] steps, Generator probes)
    {
        var leaves = steps.Select(p => p.Select(t => t.Clone().RequireGrad()).ToArray()).ToArray();
        var values = new List<float[]>();
        var state = access.InitialState(batch);
        Tensor? loss = null;
        foreach (var parts in leaves)
        {
            (var words, state, var modes) = step(Interface(parts), state);
            values.AddRange([words.ToArray(), state.Memory.ToArray(), state.ReadWeights.ToArray(), state.WriteWeights.ToArray(),
                state.Linkage.Link.ToArray(), state.Linkage.PrecedenceWeights.ToArray(), state.Usage.ToArray(), modes.ToArray()]);
            var term = (words * Tensor.Uniform(probes, words.ShapeArray(), -1f, 1f)).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss = loss! + (state.Memory * state.Memory).Sum() + state.Linkage.Link.Sum() + state.Usage.Sum() + state.ReadWeights.Sum()
            + state.Linkage.PrecedenceWeights.Sum();
        loss.Backward();
        return (values, leaves.SelectMany(p => p.Select(t => t.Grad!.ToArray())).ToList());
    }

    [Theory]
    [InlineData(16, 16, 4, 1)]   // DeepMind's defaults: four reads in one row pass
    [InlineData(19, 5, 3, 2)]    // vector tails, two write heads allocating in turn, fewer than four reads
    [InlineData(9, 3, 6, 1)]     // four reads in one pass and two more
    public void Fused_step_gives_the_composed_values_and_gradients_bit_for_bit(int cells, int width, int reads, int writes)
    {
        const int batch = 3;
        var access = new MemoryAccess(cells, width, reads, writes);
        var rng = new Generator(31);
        var steps = Enumerable.Range(0, 3).Select(_ => RandomInterface(rng, batch, reads, writes, width)).ToArray();
        var traced = new List<MemoryTrace>();
        access.Trace = traced.Add;

        var fused = Run((raw, state) =>
        {
            var (words, next) = access.Apply(raw, state);
            var trace = traced[^1];
            // The trace holds this step's values (detached).
            Assert.Equal(next.WriteWeights.ToArray(), trace.WriteWeights.ToArray());
            Assert.Equal(next.ReadWeights.ToArray(), trace.ReadWeights.ToArray());
            Assert.Equal(next.Usage.ToArray(), trace.Usage!.ToArray());
            Assert.Equal(next.Memory.ToArray(), trace.Memory!.ToArray());
            Assert.Equal(next.Linkage.Link.ToArray(), trace.Link!.ToArray());
            return (words, next, trace.ReadModes!);
        }, batch, access, steps, new Generator(5));
        var composed = Run((raw, state) => Composed(access, raw, state), batch, access, steps, new Generator(5));

        // Forward: the same floats (the fused ops run the parts' per-item functions in the composed order), trace included.
        Assert.Equal(composed.Values.Count, fused.Values.Count);
        for (int i = 0; i < fused.Values.Count; i++) KernelComparison.AssertBitIdentical(composed.Values[i], fused.Values[i], $"value {i}");
        // Backward: the same terms in the same order (each fused backward adds a tensor's gradients as the engine did for
        // the separate consumers), so the same floats too.
        for (int i = 0; i < fused.Gradients.Count; i++) KernelComparison.AssertBitIdentical(composed.Gradients[i], fused.Gradients[i], $"gradient of leaf {i}");
    }

    /// <summary>Usage [B, N] with cells spaced apart (≥ 0.6/N), so a finite-difference step never reorders the allocation.</summary>
    private static Tensor SpacedUsage(Generator rng, int batch, int cells)
    {
        var usage = Tensor.Zeros(batch, cells);
        for (int b = 0; b < batch; b++)
        {
            var order = Enumerable.Range(0, cells).OrderBy(_ => rng.NextDouble()).ToArray();
            for (int i = 0; i < cells; i++) usage.Data[b * cells + i] = 0.1f + 0.8f / cells * order[i];
        }
        return usage;
    }

    /// <summary>
    /// The write half's differentiable inputs: previous usage, free-gate logits, previous read weights, write content
    /// weights, allocation- and write-gate logits, erase logits, write vectors, memory; and the stop-gradient previous
    /// write weights. Small free gates and previous weights keep the usage update from reordering the spaced cells.
    /// </summary>
    private static (Tensor[] Inputs, Tensor PreviousWrites) WriteInputs(ulong seed, int batch, int cells, int width, int reads, int writes)
    {
        var rng = new Generator(seed);
        Tensor[] inputs =
        [
            SpacedUsage(rng, batch, cells), Tensor.Normal(rng, [batch, reads], -3f, 0.5f), Tensor.Uniform(rng, [batch, reads, cells], 0f, 0.05f),
            Tensor.Softmax(Tensor.Normal(rng, [batch, writes, cells]), -1), Tensor.Normal(rng, [batch, writes]),
            Tensor.Normal(rng, [batch, writes]), Tensor.Normal(rng, [batch, writes, width]), Tensor.Normal(rng, [batch, writes, width]),
            Tensor.Normal(rng, [batch, cells, width]),
        ];
        return (inputs, Tensor.Uniform(rng, [batch, writes, cells], 0f, 0.02f));
    }

    private static (Tensor Usage, Tensor WriteWeights, Tensor Memory) Write(Tensor[] x, Tensor previousWrites) =>
        AccessStepKernel.Write(x[0], previousWrites, x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], Freeness.AllocationEpsilon);

    /// <remarks>The step and tolerances of the two-head allocation checks (AllocationKernelTests): the allocation's cumulative product bends sharply.</remarks>
    [Theory]
    [InlineData(2, 6, 3, 2, 1)]
    [InlineData(2, 5, 4, 3, 2)]   // two heads allocating in turn: the gate product reaches both gates
    public void Write_half_gradients_of_all_outputs_match_finite_differences(int batch, int cells, int width, int reads, int writes)
    {
        var (inputs, previousWrites) = WriteInputs(71, batch, cells, width, reads, writes);
        FiniteDifference.Check(x =>
        {
            var (usage, weights, memory) = Write(x, previousWrites);
            return Tensor.Concat(-1, usage, weights.Reshape(batch, -1), memory.Reshape(batch, -1));
        }, inputs, eps: 1e-3f, rtol: 3e-2, atol: 3e-3);
    }

    [Theory]
    [InlineData(0)]   // only the usage: no memory or write-weight gradient comes in
    [InlineData(1)]   // only the write weights
    [InlineData(2)]   // only the new memory
    public void Write_half_gradients_of_one_output_match_finite_differences(int output)
    {
        var (inputs, previousWrites) = WriteInputs(72, 2, 5, 3, 2, 2);
        FiniteDifference.Check(x =>
        {
            var outputs = Write(x, previousWrites);
            return output switch { 0 => outputs.Usage, 1 => outputs.WriteWeights, _ => outputs.Memory };
        }, inputs, eps: 1e-3f, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void Write_half_passes_no_gradient_to_the_previous_write_weights()
    {
        var (inputs, previousWrites) = WriteInputs(73, 2, 5, 3, 2, 1);
        foreach (var input in inputs) input.RequireGrad();
        var writes = previousWrites.RequireGrad();
        var (usage, _, memory) = Write(inputs, writes);
        (usage.Sum() + memory.Sum()).Backward();
        Assert.Null(writes.Grad);
    }

    /// <summary>The read half's inputs: write weights, previous link and precedence, previous read weights, read content weights, read-mode logits, memory.</summary>
    private static Tensor[] ReadInputs(ulong seed, int batch, int cells, int width, int reads, int writes)
    {
        var x = LinkUpdateAndReadTests.RandomInputs(seed, batch, writes, reads, cells);
        var rng = new Generator(seed + 7);
        return [x[2], x[0], x[1], x[3], x[4], Tensor.Normal(rng, [batch, reads, 2 * writes + 1]), Tensor.Normal(rng, [batch, cells, width])];
    }

    private static (Tensor Link, Tensor Precedence, Tensor ReadWeights, Tensor ReadWords, Tensor ReadModes) Read(Tensor[] x) =>
        AccessStepKernel.Read(x[0], x[1], x[2], x[3], x[4], x[5], x[6]);

    [Theory]
    [InlineData(2, 5, 3, 3, 2)]
    [InlineData(2, 6, 4, 5, 1)]   // the four-head row pass and one more head
    public void Read_half_gradients_of_all_outputs_match_finite_differences(int batch, int cells, int width, int reads, int writes)
    {
        FiniteDifference.Check(x =>
        {
            var (link, precedence, weights, words, modes) = Read(x);
            return Tensor.Concat(-1, link.Reshape(batch, -1), precedence.Reshape(batch, -1), weights.Reshape(batch, -1),
                words.Reshape(batch, -1), modes.Reshape(batch, -1));
        }, ReadInputs(81, batch, cells, width, reads, writes));
    }

    [Theory]
    [InlineData(0)]   // only the link: no read gradient comes in
    [InlineData(2)]   // only the read weights: no read-word gradient
    [InlineData(3)]   // only the read words
    [InlineData(4)]   // only the read modes
    public void Read_half_gradients_of_one_output_match_finite_differences(int output)
    {
        FiniteDifference.Check(x =>
        {
            var o = Read(x);
            return output switch { 0 => o.Link, 2 => o.ReadWeights, 3 => o.ReadWords, _ => o.ReadModes };
        }, ReadInputs(82, 2, 5, 3, 4, 2));
    }

    /// <summary>
    /// Property: with every buffer the step and backward arenas lend filled with NaN first, each fused op gives bit for bit
    /// the same outputs and gradients as without, whichever outputs the loss reads (so the uncleared gradient buffers are
    /// written in full also when some output gradients are absent), and all of them are finite.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Poisoned_arena_storage_changes_no_result_of_either_half(int outputs)
    {
        var (writeInputs, previousWrites) = WriteInputs(91, 2, 9, 5, 3, 2);
        var readInputs = ReadInputs(92, 2, 9, 5, 6, 2);
        float[] Run(bool poison)
        {
            var arena = new TensorArena();
            BufferPool.PoisonOnRent = poison;
            try
            {
                using var _ = arena.Enter();
                var write = writeInputs.Select(x => x.Clone().RequireGrad()).ToArray();
                var read = readInputs.Select(x => x.Clone().RequireGrad()).ToArray();
                var (usage, weights, memory) = Write(write, previousWrites);
                var o = Read(read);
                // 0: every output; 1: only the memory and the read words; 2: only the usage and the link; 3: only the read modes.
                Tensor loss = outputs switch
                {
                    0 => usage.Sum() + (weights * weights).Sum() + (memory * memory).Sum() + o.Link.Sum() + o.Precedence.Sum()
                        + (o.ReadWeights * o.ReadWeights).Sum() + (o.ReadWords * o.ReadWords).Sum() + (o.ReadModes * o.ReadModes).Sum(),
                    1 => (memory * memory).Sum() + (o.ReadWords * o.ReadWords).Sum(),
                    2 => usage.Sum() + o.Link.Sum(),
                    _ => (o.ReadModes * o.ReadModes).Sum(),
                };
                loss.Backward();
                return [.. usage.ToArray(), .. weights.ToArray(), .. memory.ToArray(), .. o.Link.ToArray(), .. o.ReadWords.ToArray(),
                    .. write.Concat(read).SelectMany(x => (x.Grad ?? Tensor.Zeros(x.ShapeArray())).ToArray())];
            }
            finally
            {
                BufferPool.PoisonOnRent = false;
            }
        }

        var plain = Run(poison: false);
        var poisoned = Run(poison: true);
        Assert.All(plain, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(plain, poisoned);
    }

    [Fact]
    public void Apply_names_the_module_path_and_the_part_when_a_part_has_the_wrong_shape()
    {
        var access = new MemoryAccess(6, 4, 2, 1, name: "access");
        var parts = RandomInterface(new Generator(3), 2, 2, 1, 4);
        parts[6] = Tensor.Zeros(2, 3);   // free gate: [B, R] = [2, 2]
        var e = Assert.Throws<ShapeMismatchException>(() => access.Apply(Interface(parts), access.InitialState(2)));
        Assert.Contains("access", e.Message);
        Assert.Contains("free_gate", e.Message);
        Assert.Contains("[2, 2]", e.Message);
    }
}
