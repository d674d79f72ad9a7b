using Modules.Dnc.Sparse;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Sparse;

/// <summary>Small sparse cores and runs shared by the sparse tests.</summary>
internal static class SparseTestModels
{
    public static SamOptions SmallSam(int memory = 6, int word = 3, int k = 2, int reads = 2) => new()
    {
        OutputSize = 2, HiddenSize = 4, MemorySize = memory, WordSize = word, NumReads = reads, SparseReads = k,
    };

    public static SdncOptions SmallSdnc(int memory = 6, int word = 3, int k = 2, int reads = 2, int links = 3) => new()
    {
        OutputSize = 2, HiddenSize = 4, MemorySize = memory, WordSize = word, NumReads = reads, SparseReads = k, LinkSparsity = links,
    };

    /// <summary>Unrolls <paramref name="core"/> over inputs [T, B, in] from its initial state (or <paramref name="initial"/>); outputs [T, B, out].</summary>
    public static Tensor Unroll<TState>(IRnnCore<TState> core, Tensor inputs, Func<TState>? initial = null) where TState : struct, IState<TState>
    {
        var state = initial is null ? core.InitialState(inputs.Dim(1)) : initial();
        var outputs = new List<Tensor>();
        for (int t = 0; t < inputs.Dim(0); t++)
        {
            var (output, next) = core.Step(inputs.Slice(0, t, 1).Reshape(inputs.Dim(1), -1), state);
            outputs.Add(output);
            state = next;
        }
        return Tensor.Stack(0, outputs.ToArray());
    }

    public static Tensor Parameter(Module module, string path) => module.NamedParameters().Single(p => p.Key == path).Value;
}
