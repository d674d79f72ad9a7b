using Modules.Tensors;

namespace Modules.Dnc.Tests;

/// <summary><see cref="MemoryAccess.ReadBeforeWrite"/>: the reads moved before the step's write (its gradient check is in
/// <see cref="MemoryAccessTests"/>).</summary>
public sealed class ReadBeforeWriteTests
{
    private const int Batch = 2, Rows = 5, Word = 3, Reads = 2, Hidden = 4;

    /// <summary>A read-before-write access and DeepMind's access with the same parameters (same seed, same paths).</summary>
    private static (MemoryAccess First, MemoryAccess Plain) Pair()
    {
        var first = new MemoryAccess(Rows, Word, Reads, 1) { ReadBeforeWrite = true };
        var plain = new MemoryAccess(Rows, Word, Reads, 1);
        first.Seed(1);
        plain.Seed(1);
        return (first, plain);
    }

    [Fact]
    public void The_write_is_deepminds_and_the_words_are_read_from_the_memory_before_it()
    {
        var (first, plain) = Pair();
        var rng = new Generator(7);
        var state = first.InitialState(Batch);
        for (int step = 0; step < 4; step++)
        {
            var input = Tensor.Normal(rng, [Batch, Hidden]);
            var (words, next) = first.Step(input, state);
            var (plainWords, plainNext) = plain.Step(input, state);
            if (step == 0)
            {
                // Nothing was in memory before the first write: DeepMind's order reads the write back, this one reads zeros.
                Assert.All(words.Values.ToArray(), v => Assert.Equal(0f, v));
                Assert.Contains(plainWords.Values.ToArray(), v => MathF.Abs(v) > 1e-3f);
            }
            // Same usage, write weights and memory as DeepMind's access given the same previous state.
            Assert.Equal(plainNext.Memory.ToArray(), next.Memory.ToArray());
            Assert.Equal(plainNext.WriteWeights.ToArray(), next.WriteWeights.ToArray());
            Assert.Equal(plainNext.Usage.ToArray(), next.Usage.ToArray());
            // Read words = read weights · the previous memory, by hand.
            for (int b = 0; b < Batch; b++)
                for (int r = 0; r < Reads; r++)
                    for (int w = 0; w < Word; w++)
                    {
                        double expected = Enumerable.Range(0, Rows).Sum(n => (double)next.ReadWeights.At(b, r, n) * state.Memory.At(b, n, w));
                        Assert.Equal(expected, words.At(b, r, w), 5);
                    }
            state = next; // both continue from the same state, so every step compares the same inputs
        }
        Assert.Equal(plain.NamedParameters().Select(p => p.Key), first.NamedParameters().Select(p => p.Key));
    }

    /// <summary>A [B, …] tensor whose every entry is <paramref name="values"/>.</summary>
    private static Tensor Each(float[] values, params int[] shape)
    {
        var data = new float[Batch * values.Length];
        for (int b = 0; b < Batch; b++) values.CopyTo(data, b * values.Length);
        return Tensor.FromArray([Batch, .. shape], data);
    }

    [Fact]
    public void The_content_lookup_finds_the_stored_word_not_the_one_this_step_writes()
    {
        // Row 0 holds e1 (and is in use); the step writes e2 into a free row (allocation, write gate on, no erase, nothing freed). The
        // read head looks up e2 sharply, content mode only. DeepMind's order finds the word just written; reading first
        // finds nothing like e2 in the memory before the write, so its weights spread over the rows (none above 1/N·2).
        var (first, plain) = Pair();
        var memory = Each([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Rows, Word);
        var raw = new AccessInterface(
            ReadKeys: Each([0, 1, 0, 0, 1, 0], Reads, Word),
            ReadStrengths: Each([50, 50], Reads),
            WriteKeys: Each([0, 0, 1], 1, Word),
            WriteStrengths: Each([0], 1),
            EraseVectors: Each([-50, -50, -50], 1, Word),
            WriteVectors: Each([0, 1, 0], 1, Word),
            FreeGate: Each([-50, -50], Reads),
            AllocationGate: Each([50], 1),
            WriteGate: Each([50], 1),
            ReadMode: Each([0, 0, 50, 0, 0, 50], Reads, 3));
        var state = first.InitialState(Batch) with { Memory = memory, Usage = Each([1, 0, 0, 0, 0], Rows) };
        var (plainWords, plainNext) = plain.Apply(raw, state);
        var (words, next) = first.Apply(raw, state);
        // Both wrote e2 into the same row, with weight ≈ 1.
        int written = Enumerable.Range(0, Rows).MaxBy(n => next.WriteWeights.At(0, 0, n));
        Assert.NotEqual(0, written);
        Assert.Equal(1f, next.Memory.At(0, written, 1), 3);
        Assert.Equal(plainNext.Memory.ToArray(), next.Memory.ToArray());
        // DeepMind's order reads e2 back; reading first does not weight that row above the rest and reads no e2.
        Assert.Equal(1f, plainNext.ReadWeights.At(0, 0, written), 3);
        Assert.Equal(1f, plainWords.At(0, 0, 1), 3);
        for (int n = 0; n < Rows; n++) Assert.InRange(next.ReadWeights.At(0, 0, n), 0f, 2f / Rows);
        Assert.Equal(0f, words.At(0, 0, 1));
        // A key for e1 finds row 0 with the reads first too.
        var e1 = raw with { ReadKeys = Each([1, 0, 0, 1, 0, 0], Reads, Word) };
        var (wordsE1, _) = first.Apply(e1, state);
        Assert.Equal(1f, wordsE1.At(1, 1, 0), 3);
    }

    [Fact]
    public void The_dnc_option_builds_the_access_and_combines_with_the_key_mask()
    {
        var options = new DncOptions { OutputSize = 2, HiddenSize = 6, MemorySize = 4, WordSize = 3, NumReads = 2 };
        Assert.False(new Dnc(options).Access.ReadBeforeWrite);
        var both = new Dnc(options with { ReadBeforeWrite = true, KeyMask = true });
        Assert.True(both.Access.ReadBeforeWrite);
        Assert.IsType<MaskedContentAddressing>(both.Access.ReadContentWeights);
        Assert.True(Dnc.Create(options with { ReadBeforeWrite = true }, new Lstm(6)).Access.ReadBeforeWrite);
        // The switch adds no parameters: the same names and sizes as DeepMind's order.
        var plain = new Dnc(options);
        var first = new Dnc(options with { ReadBeforeWrite = true });
        plain.Seed(1);
        first.Seed(1);
        var inputs = Tensor.Normal(new Generator(2), [3, 2, 3]);
        var plainOutputs = DynamicRnn.Unroll(plain, inputs).Outputs;
        var firstOutputs = DynamicRnn.Unroll(first, inputs).Outputs;
        Assert.Equal(plain.NamedParameters().Select(p => (p.Key, p.Value.Size)), first.NamedParameters().Select(p => (p.Key, p.Value.Size)));
        // The first step's output already differs: DeepMind's order reads its write back, the other reads the empty memory.
        Assert.NotEqual(plainOutputs.ToArray()[..4], firstOutputs.ToArray()[..4]);
    }
}
