using Modules.Tensors;

namespace Modules.Dnc.Tests.Golden;

public class FunctionalGoldenTests
{
    [Theory]
    [InlineData("dnc-small")]
    [InlineData("dnc-two-writes-clipped")]
    public void AccessStepInsideAnExplicitDnc_MatchesGoldenOutputsStateAndGradients(string file)
    {
        var g = GoldenFile.Load(file);
        var parameters = g.Tensors.Where(kv => kv.Key.StartsWith("param/", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["param/".Length..], kv => kv.Value.Clone().RequireGrad());
        var dnc = new FunctionalDnc(parameters, g.Int("word_size"), g.Int("num_reads"), g.Int("num_writes"), g.Int("hidden_size"), g.Clip());
        var (outputs, h, c, accessOutput, access) = dnc.Unroll(g.Tensors["input"], g.Int("memory_size"));

        GoldenFile.AssertClose(g.Tensors["output"], outputs, "output");
        GoldenFile.AssertClose(g.Tensors["final_state/access_output"], accessOutput, "access_output");
        GoldenFile.AssertClose(g.Tensors["final_state/lstm_h"], h, "lstm_h");
        GoldenFile.AssertClose(g.Tensors["final_state/lstm_c"], c, "lstm_c");

        var perm = CellPermutation.FromMemory(g.Tensors["final_state/memory"], access.Memory, 1e-5);
        GoldenFile.AssertClose(g.Tensors["final_state/memory"], CellPermutation.Apply(access.Memory.Permute(0, 2, 1), perm).Permute(0, 2, 1), "memory");
        GoldenFile.AssertClose(g.Tensors["final_state/read_weights"], CellPermutation.Apply(access.ReadWeights, perm), "read_weights");
        GoldenFile.AssertClose(g.Tensors["final_state/write_weights"], CellPermutation.Apply(access.WriteWeights, perm), "write_weights");
        GoldenFile.AssertClose(g.Tensors["final_state/link"], CellPermutation.Apply(access.Linkage.Link, perm, cellAxes: 2), "link");
        GoldenFile.AssertClose(g.Tensors["final_state/precedence_weights"], CellPermutation.Apply(access.Linkage.PrecedenceWeights, perm), "precedence_weights");
        GoldenFile.AssertClose(g.Tensors["final_state/usage"], CellPermutation.Apply(access.Usage, perm), "usage");

        (outputs * g.Tensors["probe"]).Sum().Backward();
        foreach (var (path, p) in parameters)
            GoldenFile.AssertClose(g.Tensors["grad/" + path], p.Grad ?? Tensor.Zeros(p.ShapeArray()), "grad/" + path);
    }
}
