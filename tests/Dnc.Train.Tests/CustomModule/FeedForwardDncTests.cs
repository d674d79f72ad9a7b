using System.Text.Json;
using System.Text.Json.Nodes;
using CustomModule;
using Modules;
using Modules.Dnc.Tasks;
using Modules.Snapshots;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain.Tests.CustomModule;

public sealed class FeedForwardDncTests
{
    private static (FeedForwardDnc Core, DatasetTensors Batch) Setup()
    {
        var task = new RepeatCopy(numBits: 2, batchSize: 2, minLength: 1, maxLength: 2, minRepeats: 1, maxRepeats: 1);
        var core = new FeedForwardDnc(task.TargetSize, hiddenSize: 5, memorySize: 4, wordSize: 3, numReads: 1);
        core.Seed(3);
        return (core, task.Sample(new Generator(2)));
    }

    // Four decimals keep the snapshot stable across SIMD widths while still catching any real change.
    private static Tensor Rounded(Tensor t) =>
        new(t.ToArray().Select(v => MathF.Round(v, 4) + 0f).ToArray(), t.ShapeArray());

    [Fact]
    public void Unrolled_state_tree_matches_snapshot()
    {
        var (core, batch) = Setup();
        var result = DynamicRnn.Unroll(core, batch.Observations);
        // Indented so that a change shows up as a readable line diff.
        string json = JsonNode.Parse(result.FinalState.Map(Rounded).ToJson())!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Snapshot.MatchBesideSource(json, "FeedForwardDncTests.final_state");
    }

    [Fact]
    public void State_paths_and_parameter_paths_compose_the_library_parts()
    {
        Assert.Equal(["read_words", "access/memory", "access/read_weights", "access/write_weights", "access/linkage/link",
            "access/linkage/precedence_weights", "access/usage"], FeedForwardDncState.Paths);
        var (core, batch) = Setup();
        DynamicRnn.Unroll(core, batch.Observations);
        var paths = core.NamedParameters().Select(p => p.Key).ToArray();
        Assert.Equal(24, paths.Length);
        Assert.Equal("feed_forward_dnc/controller/w", paths[0]);
        Assert.Contains("feed_forward_dnc/memory_access/read_mode/b", paths);
        Assert.Equal("feed_forward_dnc/readout/b", paths[^1]);
        // controller input: 4 observation channels + 1 read head × 3 word; readout input: 5 hidden + 3 read.
        Assert.Equal([7, 5], core.NamedParameters()[0].Value.ShapeArray());
        Assert.Equal([8, 3], core.NamedParameters()[^2].Value.ShapeArray());
    }

    [Fact]
    public void Gradients_reach_every_parameter_through_the_memory()
    {
        var (core, batch) = Setup();
        var logits = DynamicRnn.Unroll(core, batch.Observations).Outputs;
        new RepeatCopy(numBits: 2).Cost(logits, batch).Backward();
        foreach (var (path, parameter) in core.NamedParameters())
        {
            Assert.NotNull(parameter.Grad);
            Assert.True(parameter.Grad!.ToArray().Any(g => g != 0f), $"{path} got an all-zero gradient");
        }
    }
}
