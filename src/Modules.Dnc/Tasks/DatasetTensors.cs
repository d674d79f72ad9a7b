using Modules.Tensors;

namespace Modules.Dnc.Tasks;

/// <summary>
/// One batch of an algorithmic task, time-major like DeepMind's <c>DatasetTensors</c>.
/// </summary>
/// <param name="Observations">Inputs fed to the model, <c>[T, B, observationSize]</c>.</param>
/// <param name="Targets">What the model should emit, <c>[T, B, targetSize]</c>.</param>
/// <param name="Mask">1 on the steps that count towards the cost, 0 elsewhere (including padding), <c>[T, B]</c>.</param>
public sealed record DatasetTensors(Tensor Observations, Tensor Targets, Tensor Mask);
