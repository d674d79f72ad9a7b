using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Checkpoints;

public sealed class ModuleCheckpointTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ModuleThatWasNeverCalledIsFilledFromTheCheckpoint()
    {
        var trained = new Lstm(3);
        trained.Seed(5);
        var adam = new Adam(0.01f);
        var input = Tensor.Ones(2, 4);
        var (output, _) = trained.Step(input, trained.InitialState(2));
        output.Sum().Backward();
        adam.Step(trained.NamedParameters());
        string path = temp.File("ckpt-000001.safetensors");
        Checkpoint.Save(path, trained, adam);

        var fresh = new Lstm(3);
        Assert.False(fresh.IsConnected);
        var freshAdam = new Adam(0.01f);
        var metadata = Checkpoint.Load(path, fresh, freshAdam);

        Assert.True(fresh.IsConnected);
        Assert.Equal("1", metadata[Checkpoint.StepKey]);
        Assert.Equal(trained.NamedParameters().Select(p => p.Key), fresh.NamedParameters().Select(p => p.Key));
        Assert.Equal(trained.Parameters()[0].ToArray(), fresh.Parameters()[0].ToArray());
        Assert.Equal(trained.Step(input, trained.InitialState(2)).Output.ToArray(), fresh.Step(input, fresh.InitialState(2)).Output.ToArray());
        Assert.Equal(1, freshAdam.StepCount);
    }

    [Fact]
    public void CheckpointOfAnotherModelIsRejected()
    {
        var linear = new Linear(2);
        linear.Forward(Tensor.Ones(1, 3));
        string path = temp.File("linear.safetensors");
        Checkpoint.Save(path, linear);

        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, new Lstm(2)));
        Assert.Contains("module 'lstm' has parameters that are neither created nor in the checkpoint", error.Message);

        var connected = new Linear(2);
        connected.Forward(Tensor.Ones(1, 4));
        var shapes = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, connected));
        Assert.Contains("parameter 'linear/w': checkpoint has [3, 2], model has [4, 2]", shapes.Message);
    }
}
