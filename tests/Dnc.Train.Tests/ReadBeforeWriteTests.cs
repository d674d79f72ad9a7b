using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain.Tests;

/// <summary><c>--read-before-write</c>: the DNC's access with its reads moved before the write.</summary>
public sealed class ReadBeforeWriteTests
{
    private const int Batch = 2, Rows = 5, Word = 3, Reads = 2, Hidden = 4;

    /// <summary>A read-before-write access and DeepMind's access with the same parameters.</summary>
    private static (ReadBeforeWriteAccess First, MemoryAccess Plain) Pair()
    {
        var first = new ReadBeforeWriteAccess(Rows, Word, Reads, 1);
        var plain = new MemoryAccess(Rows, Word, Reads, 1);
        first.Seed(1);
        plain.Seed(2);
        // Parameters are created on the first step; then copy the plain access's into the other, head by head.
        first.Step(Tensor.Zeros(Batch, Hidden), first.InitialState(Batch));
        plain.Step(Tensor.Zeros(Batch, Hidden), plain.InitialState(Batch));
        var plainParameters = plain.NamedParameters().ToDictionary(p => p.Key[(p.Key.IndexOf('/') + 1)..], p => p.Value);
        var firstParameters = first.NamedParameters();
        Assert.Equal(plainParameters.Count, firstParameters.Count);
        foreach (var (path, value) in firstParameters)
        {
            Assert.StartsWith("read_before_write_access/memory_access/", path);
            plainParameters[path["read_before_write_access/memory_access/".Length..]].Values.CopyTo(value.Data);
        }
        return (first, plain);
    }

    [Fact]
    public void The_write_is_deepminds_and_the_words_are_read_from_the_memory_before_it()
    {
        var (first, plain) = Pair();
        var rng = new Generator(7);
        var firstState = first.InitialState(Batch);
        var plainState = plain.InitialState(Batch);
        for (int step = 0; step < 4; step++)
        {
            var input = Tensor.Normal(rng, [Batch, Hidden]);
            var (words, next) = first.Step(input, firstState);
            var (plainWords, plainNext) = plain.Step(input, plainState);
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
                        double expected = Enumerable.Range(0, Rows).Sum(n => (double)next.ReadWeights.At(b, r, n) * firstState.Memory.At(b, n, w));
                        Assert.Equal(expected, words.At(b, r, w), 5);
                    }
            firstState = next;
            plainState = next; // both continue from the same state, so every step compares the same inputs
        }
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
    public void The_switch_builds_the_read_first_dnc_names_it_and_is_part_of_the_configuration()
    {
        string[] small = ["--hidden-size", "8", "--memory-size", "4", "--word-size", "2", "--num-read-heads", "1", "--checkpoint-dir", ""];
        var options = TrainOptions.Parse([.. small, "--read-before-write"]);
        Assert.True(options.ReadBeforeWrite);
        Assert.Contains("\"read_before_write\":true", options.ConfigurationJson());
        // Off, the configuration is what it was before the switch existed.
        Assert.DoesNotContain("read_before_write", TrainOptions.Parse(small).ConfigurationJson());
        var model = ModelRegistry.Create(options, outputSize: 3);
        Assert.Equal("dnc (read before write)", model.Name);
        var core = Assert.IsType<MemoryCore<LstmState, AccessState>>(model.Module);
        Assert.IsType<ReadBeforeWriteAccess>(core.Access);
        Assert.Equal("dnc", ModelRegistry.Create(TrainOptions.Parse(small), outputSize: 3).Name);
        Assert.Equal("--read-before-write does not apply to --model lstm (only to dnc)",
            Assert.Throws<UsageException>(() => TrainOptions.Parse(["--model", "lstm", "--read-before-write"])).Message);
        Assert.Equal("--key-mask and --read-before-write exclude each other; give one",
            Assert.Throws<UsageException>(() => TrainOptions.Parse([.. small, "--read-before-write", "--key-mask"])).Message);
    }

    [Fact]
    public void Two_threads_stepping_one_access_at_once_each_read_their_own_previous_memory()
    {
        // The shards of a batch (--batch-shards) step the same module on two threads; whatever the interleaving, each
        // thread's read words must be those of its own episode run alone.
        var (first, _) = Pair();
        Tensor[][] Inputs(int seed)
        {
            var rng = new Generator((ulong)seed);
            return [.. Enumerable.Range(0, 30).Select(_ => new[] { Tensor.Normal(rng, [Batch, Hidden]) })];
        }
        float[][] Run(Tensor[][] inputs, Barrier? lockstep)
        {
            var state = first.InitialState(Batch);
            var words = new float[inputs.Length][];
            for (int t = 0; t < inputs.Length; t++)
            {
                lockstep?.SignalAndWait();
                (var output, state) = first.Step(inputs[t][0], state);
                words[t] = output.ToArray();
            }
            return words;
        }
        var episodes = new[] { Inputs(3), Inputs(4) };
        var alone = episodes.Select(e => Run(e, null)).ToArray();
        for (int round = 0; round < 5; round++)
        {
            using var lockstep = new Barrier(2);
            var together = new float[2][][];
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() => together[i] = Run(episodes[i], lockstep))).ToArray();
            foreach (var thread in threads) thread.Start();
            foreach (var thread in threads) thread.Join();
            Assert.Equal(alone[0], together[0]);
            Assert.Equal(alone[1], together[1]);
        }
    }
}
