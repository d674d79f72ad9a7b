using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Kernels;

/// <summary>
/// The DNC kernels take uncleared storage (<c>Tensor.AllocateUninitialized</c>, <c>Tensor.BackwardBufferUninitialized</c>)
/// for results they write in full. Property checked: with every buffer the step and backward arenas lend filled with NaN
/// first, a few memory-access steps forward and backward give bit for bit the same read words, state and gradients as
/// without poisoning, and all of them are finite, so no kernel reads an element it did not write.
/// </summary>
public sealed class UninitializedStorageTests
{
    [Theory]
    [InlineData(16, 16, 4, 1)]   // DeepMind's defaults: the four-head row pass, N a multiple of the vector width
    [InlineData(19, 5, 3, 2)]    // vector tails, two write heads, fewer than four reads
    [InlineData(9, 3, 6, 1)]     // four heads in one pass and two more after it
    public void Poisoned_arena_storage_changes_no_result_of_memory_access_steps(int cells, int width, int reads, int writes)
    {
        var access = new MemoryAccess(cells, width, reads, writes);
        var rng = new Generator(17);
        var inputs = Enumerable.Range(0, 3).Select(_ => Tensor.Normal(rng, [2, 7], 0f, 0.5f).RequireGrad()).ToArray();
        var coefficients = Tensor.Normal(rng, [2, reads, width]);

        var plain = RunSteps(access, inputs, coefficients, poison: false);
        var poisoned = RunSteps(access, inputs, coefficients, poison: true);

        Assert.All(plain, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(plain, poisoned);
    }

    [Theory]
    [InlineData(16, 1, 4)]
    [InlineData(13, 2, 3)]
    public void Poisoned_arena_storage_changes_no_result_of_the_separate_link_kernels(int cells, int writes, int reads)
    {
        var rng = new Generator(23);
        var link = Tensor.Uniform(rng, [2, writes, cells, cells], 0f, 0.2f).RequireGrad();
        var precedence = Tensor.Uniform(rng, [2, writes, cells], 0f, 0.1f).RequireGrad();
        var writeWeights = Tensor.Uniform(rng, [2, writes, cells], 0f, 0.1f).RequireGrad();
        var previousReads = Tensor.Uniform(rng, [2, reads, cells], 0f, 0.1f).RequireGrad();
        var content = Tensor.Uniform(rng, [2, reads, cells], 0f, 0.1f).RequireGrad();
        var modes = Tensor.Softmax(Tensor.Normal(rng, [2, reads, 2 * writes + 1]), -1).Detach().RequireGrad();
        var linkCoefficients = Tensor.Normal(rng, [2, writes, cells, cells]);
        var readCoefficients = Tensor.Normal(rng, [2, reads, cells]);
        Tensor[] leaves = [link, precedence, writeWeights, previousReads, content, modes];

        float[] Run(bool poison) => Poisoned(poison, () =>
        {
            foreach (var leaf in leaves) leaf.ClearGrad();
            var (newLink, newPrecedence) = LinkUpdate.Apply(link, precedence, writeWeights);
            var read = ReadWeightsMix.Apply(newLink, previousReads, content, modes);
            var loss = (newLink * linkCoefficients).Sum() + newPrecedence.Sum() + (read * readCoefficients).Sum();
            loss.Backward();
            return [.. newLink.ToArray(), .. newPrecedence.ToArray(), .. read.ToArray(), .. leaves.SelectMany(l => l.Grad!.ToArray())];
        });

        var plain = Run(poison: false);
        var poisoned = Run(poison: true);

        Assert.All(plain, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(plain, poisoned);
    }

    /// <summary>Three steps in a step arena, a loss over the read words and the final state, backward; returns the outputs and every gradient.</summary>
    private static float[] RunSteps(MemoryAccess access, Tensor[] inputs, Tensor coefficients, bool poison) => Poisoned(poison, () =>
    {
        var result = new List<float>();
        foreach (var parameter in access.Parameters()) parameter.ClearGrad();
        foreach (var input in inputs) input.ClearGrad();
        var state = access.InitialState(2);
        Tensor? loss = null;
        foreach (var input in inputs)
        {
            (var words, state) = access.Step(input, state);
            result.AddRange(words.ToArray());
            var term = (words * coefficients).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss = loss! + state.Linkage.Link.Sum() + state.Memory.Sum() + state.Usage.Sum();
        loss.Backward();
        result.AddRange(state.Memory.ToArray());
        result.AddRange(state.Linkage.Link.ToArray());
        foreach (var parameter in access.Parameters()) result.AddRange(parameter.Grad!.ToArray());
        foreach (var input in inputs) result.AddRange(input.Grad!.ToArray());
        return result.ToArray();
    });

    /// <summary>Runs <paramref name="body"/> in a step-arena scope, with this thread's lent buffers filled with NaN when <paramref name="poison"/>.</summary>
    private static float[] Poisoned(bool poison, Func<float[]> body)
    {
        var arena = new TensorArena();
        BufferPool.PoisonOnRent = poison;
        try
        {
            using (arena.Enter()) return body();
        }
        finally
        {
            BufferPool.PoisonOnRent = false;
        }
    }
}
