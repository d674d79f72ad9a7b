using Modules.Tensors;

namespace Modules.Dnc.Tests;

public class PartsModulesTests
{
    [Fact]
    public void TemporalLinkageCore_UnrolledOverOneHotWrites_LinksConsecutiveCells()
    {
        var linkage = new TemporalLinkage(memorySize: 3, numWrites: 1);
        var writes = Tensor.Zeros(3, 1, 1, 3);
        writes.Data[0 * 3 + 1] = 1f; writes.Data[1 * 3 + 2] = 1f; writes.Data[2 * 3 + 0] = 1f;   // cells 1, 2, 0
        var run = DynamicRnn.Unroll(linkage, writes);
        Assert.Equal([3, 1, 1, 3, 3], run.Outputs.ShapeArray());
        // L[2,1] = 1 (2 after 1) then L[0,2] = 1 (0 after 2); the write into 0 does not disturb L[2,1].
        Assert.Equal([0f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 0f], run.FinalState.Link.ToArray());
        Assert.Equal([1f, 0f, 0f], run.FinalState.PrecedenceWeights.ToArray());
        var forward = Linkage.DirectionalReadWeights(run.FinalState.Link, new Tensor([0f, 1f, 0f], 1, 1, 3), forward: true);
        Assert.Equal([0f, 0f, 1f], forward.ToArray());
    }

    [Fact]
    public void TemporalLinkageCore_RejectsWriteWeightsOfTheWrongShape_NamingItsPath()
    {
        var linkage = new TemporalLinkage(memorySize: 3, numWrites: 2);
        var ex = Assert.Throws<ShapeMismatchException>(() => linkage.Step(Tensor.Zeros(1, 1, 3), linkage.InitialState(1)));
        Assert.Contains("temporal_linkage", ex.Message);
        Assert.Contains("[1, 2, 3]", ex.Message);
        Assert.Contains("[1, 1, 3]", ex.Message);
    }

    [Fact]
    public void Freeness_UpdatesUsageAndAllocates()
    {
        var freeness = new Freeness(memorySize: 3);
        var usage = freeness.Step(new Tensor([1f, 0f, 0f], 1, 1, 3), Tensor.Zeros(1, 1), Tensor.Zeros(1, 1, 3), freeness.InitialState(1).Usage);
        Assert.Equal([1f, 0f, 0f], usage.ToArray());
        var allocation = freeness.WriteAllocationWeights(usage, new Tensor([1f], 1, 1));
        Assert.True(allocation.Values[1] > 0.99f);
    }

    [Fact]
    public void ContentAddressing_IsCosineWeights()
    {
        var w = new ContentAddressing().Forward(new Tensor([1, 2, 3, 4, 5, 6], 1, 3, 2), new Tensor([5, 6], 1, 1, 2), new Tensor([1], 1, 1));
        FiniteDifference.AssertClose([0.325810f, 0.336804f, 0.337385f], w.Values, 0, 1e-5);
    }

    [Fact]
    public void AccessInterface_PartSizesFollowTheDeclaredDimensions()
    {
        Assert.Equal([8, 2, 4, 1, 4, 4, 2, 1, 1, 6], AccessInterface.PartSizes(2, 4, 1, 3));
        Assert.Equal("read_mode", AccessInterface.PartNames[^1]);
    }
}
