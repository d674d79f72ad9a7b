using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks;

/// <summary>Batches and logits for task tests.</summary>
internal static class TaskBatch
{
    /// <summary>A batch of the given targets [T, B, F] and mask [T, B] (the observations are not read by costs and metrics).</summary>
    public static DatasetTensors Of(Tensor targets, Tensor mask) => new(Tensor.Zeros(targets.Dim(0), targets.Dim(1), 1), targets, mask);

    /// <summary>Logits ±10 whose rounded sigmoid is the given 0/1 bits.</summary>
    public static Tensor Logits(Tensor bits) => Tensor.AddScalar(Tensor.Scale(bits, 20f), -10f);
}
