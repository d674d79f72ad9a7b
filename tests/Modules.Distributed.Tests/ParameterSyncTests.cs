using Modules.Tensors;
using Modules.Training;

namespace Modules.Distributed.Tests;

/// <summary><see cref="ParameterSync"/> over three in-memory ranks (<see cref="ThreadGroup"/>), with hand-computed values.</summary>
public sealed class ParameterSyncTests
{
    private static List<KeyValuePair<string, Tensor>> Parameters(float a0, float a1, float b) =>
    [
        new("net/a", Tensor.FromArray([a0, a1], 2).RequireGrad()),
        new("net/b", Tensor.FromArray([b], 1).RequireGrad()),
    ];

    [Fact]
    public void SumGradients_SumsEveryParameterOverRanks_AndGivesMissingGradientsTheSum()
    {
        var results = new float[3][];
        var hadGradient = new bool[3];
        ThreadGroup.Run(3, group =>
        {
            var parameters = Parameters(0, 0, 0);
            float scale = MathF.Pow(10, group.Rank); // rank r's gradients: 10^r · (1, 2) for a; b's only on rank 1
            parameters[0].Value.Grad = Tensor.FromArray([scale, 2 * scale], 2);
            if (group.Rank == 1) parameters[1].Value.Grad = Tensor.FromArray([5f], 1);
            new ParameterSync(group).SumGradients(parameters);
            hadGradient[group.Rank] = parameters[1].Value.Grad is not null;
            results[group.Rank] = [.. parameters[0].Value.Grad!.Values, .. parameters[1].Value.Grad!.Values];
        });
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal([111f, 222f, 5f], results[r]);
            Assert.True(hadGradient[r]);
        }
    }

    [Fact]
    public void BroadcastParameters_GivesEveryRankTheRootsValues()
    {
        var results = new float[3][];
        ThreadGroup.Run(3, group =>
        {
            var parameters = Parameters(group.Rank, 10 + group.Rank, 20 + group.Rank);
            new ParameterSync(group).BroadcastParameters(parameters, root: 2);
            results[group.Rank] = [.. parameters[0].Value.Values, .. parameters[1].Value.Values];
        });
        for (int r = 0; r < 3; r++) Assert.Equal([2f, 12f, 22f], results[r]);
    }

    // Rank 0 has taken two RMSProp steps (its ms slots and step counter exist); ranks 1 and 2 have no state. After the
    // broadcast every rank holds rank 0's state, so one more identical step leaves identical parameters everywhere.
    [Fact]
    public void BroadcastOptimizer_GivesFreshRanksTheRootsSlotsAndStep()
    {
        var slots = new List<KeyValuePair<string, float[]>>[3];
        var steps = new long[3];
        var after = new float[3][];
        ThreadGroup.Run(3, group =>
        {
            var parameters = Parameters(1, 2, 3);
            var optimizer = RmsProp.TensorFlow1(0.1f);
            void Step(float g)
            {
                parameters[0].Value.Grad = Tensor.FromArray([g, -g], 2);
                parameters[1].Value.Grad = Tensor.FromArray([2 * g], 1);
                optimizer.Step(parameters);
            }
            if (group.Rank == 0) { Step(1f); Step(3f); }
            var sync = new ParameterSync(group);
            sync.BroadcastOptimizer(optimizer);
            sync.BroadcastParameters(parameters);
            slots[group.Rank] = optimizer.Slots.Select(s => new KeyValuePair<string, float[]>(s.Key, s.Value.ToArray())).ToList();
            steps[group.Rank] = optimizer.StepCount;
            Step(0.5f);
            after[group.Rank] = [.. parameters[0].Value.Values, .. parameters[1].Value.Values];
        });
        // TF1 RMSProp from ms = 1, decay 0.9, on a[0]: 0.9·1 + 0.1·1² = 1, then 0.9·1 + 0.1·3² = 1.8; on b (gradients 2, 6):
        // 0.9 + 0.1·4 = 1.3, then 0.9·1.3 + 0.1·36 = 4.77.
        Assert.Equal(["rmsprop/step", "rmsprop/ms/net/a", "rmsprop/ms/net/b"], slots[0].Select(s => s.Key));
        Assert.Equal(1.8f, slots[0][1].Value[0], 6);
        Assert.Equal(4.77f, slots[0][2].Value[0], 5);
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(2, steps[r]);
            Assert.Equal(slots[0].Select(s => s.Key), slots[r].Select(s => s.Key));
            for (int i = 0; i < slots[0].Count; i++) Assert.Equal(slots[0][i].Value, slots[r][i].Value);
            Assert.Equal(after[0], after[r]);
        }
    }

    [Fact]
    public void DifferentLayouts_FailOnEveryRankNamingTheRank()
    {
        var messages = new string?[3];
        ThreadGroup.Run(3, group =>
        {
            var parameters = Parameters(0, 0, 0);
            if (group.Rank == 2) parameters[1] = new("net/b", Tensor.Zeros(2).RequireGrad()); // [2] instead of [1]
            messages[group.Rank] = Assert.Throws<InvalidOperationException>(() => new ParameterSync(group).BroadcastParameters(parameters)).Message;
        });
        for (int r = 0; r < 3; r++)
            Assert.Equal($"rank {r}: rank 2's parameters differ from rank 0's (paths or shapes); every rank must build the same model", messages[r]);
    }
}
