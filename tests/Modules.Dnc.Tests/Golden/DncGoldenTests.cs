using Modules.Tensors;

namespace Modules.Dnc.Tests.Golden;

public class DncGoldenTests
{
    private static (Dnc Dnc, GoldenFile File) Load(string file)
    {
        var g = GoldenFile.Load(file);
        var dnc = new Dnc(new DncOptions
        {
            OutputSize = g.Int("output_size"), HiddenSize = g.Int("hidden_size"), MemorySize = g.Int("memory_size"),
            WordSize = g.Int("word_size"), NumReads = g.Int("num_reads"), NumWrites = g.Int("num_writes"), ClipValue = g.Clip(),
        });
        foreach (var (key, value) in g.Tensors)
            if (key.StartsWith("param/", StringComparison.Ordinal)) dnc.SetParameter(key["param/".Length..], value.Clone());
        return (dnc, g);
    }

    [Theory]
    [InlineData("dnc-small")]
    [InlineData("dnc-two-writes-clipped")]
    public void UnrolledFromZeroState_MatchesGoldenOutputsFinalStateAndGradients(string file)
    {
        var (dnc, g) = Load(file);
        var run = DynamicRnn.Unroll(dnc, g.Tensors["input"]);
        var final = run.FinalState;

        GoldenFile.AssertClose(g.Tensors["output"], run.Outputs, "output");
        GoldenFile.AssertClose(g.Tensors["final_state/access_output"], final.AccessOutput, "access_output");
        GoldenFile.AssertClose(g.Tensors["final_state/lstm_h"], final.Controller.Hidden, "lstm_h");
        GoldenFile.AssertClose(g.Tensors["final_state/lstm_c"], final.Controller.Cell, "lstm_c");

        // Per-cell state is compared after relabelling cells (see CellPermutation for why).
        var access = final.Access;
        var perm = CellPermutation.FromMemory(g.Tensors["final_state/memory"], access.Memory, 1e-5);
        GoldenFile.AssertClose(g.Tensors["final_state/memory"], CellPermutation.Apply(access.Memory.Permute(0, 2, 1), perm).Permute(0, 2, 1), "memory");
        GoldenFile.AssertClose(g.Tensors["final_state/read_weights"], CellPermutation.Apply(access.ReadWeights, perm), "read_weights");
        GoldenFile.AssertClose(g.Tensors["final_state/write_weights"], CellPermutation.Apply(access.WriteWeights, perm), "write_weights");
        GoldenFile.AssertClose(g.Tensors["final_state/link"], CellPermutation.Apply(access.Linkage.Link, perm, cellAxes: 2), "link");
        GoldenFile.AssertClose(g.Tensors["final_state/precedence_weights"], CellPermutation.Apply(access.Linkage.PrecedenceWeights, perm), "precedence_weights");
        GoldenFile.AssertClose(g.Tensors["final_state/usage"], CellPermutation.Apply(access.Usage, perm), "usage");

        (run.Outputs * g.Tensors["probe"]).Sum().Backward();
        var named = dnc.NamedParameters();
        Assert.Equal(g.Tensors.Keys.Where(k => k.StartsWith("grad/", StringComparison.Ordinal)).Select(k => k[5..]).Order(),
            named.Select(p => p.Key).Order());
        foreach (var (path, p) in named)
            GoldenFile.AssertClose(g.Tensors["grad/" + path], p.Grad ?? Tensor.Zeros(p.ShapeArray()), "grad/" + path);
    }

    [Fact]
    public void ParameterPaths_AreDeepMindsNames()
    {
        var dnc = new Dnc(new DncOptions { OutputSize = 3, HiddenSize = 4, MemorySize = 5, WordSize = 2, NumReads = 2, NumWrites = 1 });
        DynamicRnn.Unroll(dnc, Tensor.Zeros(1, 2, 3));
        var heads = new[] { "read_keys", "read_strengths", "write_keys", "write_strengths", "erase_vectors", "write_vectors",
            "free_gate", "allocation_gate", "write_gate", "read_mode" };
        var expected = new List<string> { "dnc/lstm/w_gates", "dnc/lstm/b_gates" };
        foreach (var h in heads) { expected.Add($"dnc/memory_access/{h}/w"); expected.Add($"dnc/memory_access/{h}/b"); }
        expected.Add("dnc/output_linear/w"); expected.Add("dnc/output_linear/b");
        Assert.Equal(expected, dnc.NamedParameters().Select(p => p.Key));
        Assert.True(dnc.IsConnected);
        // Controller input = 3 inputs + 2 reads × 2 words; output linear sees H + R·Wd = 8.
        Assert.Equal([3 + 4 + 4, 16], dnc.NamedParameters()[0].Value.ShapeArray());
        Assert.Equal([8, 3], dnc.NamedParameters()[^2].Value.ShapeArray());
        Assert.Equal([4, 2 * (1 + 2)], dnc.NamedParameters()[^4].Value.ShapeArray());
    }
}
