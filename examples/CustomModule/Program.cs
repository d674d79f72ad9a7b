using CustomModule;
using Modules.Dnc.Tasks;
using Modules.Training;

// A feed-forward-controller DNC trained for a few steps on repeat copy with the library's trainer, to show a
// user-composed core working with the same unrolling, optimizer, trainer and task code as the library's own DNC.
var task = new RepeatCopy(numBits: 3, batchSize: 8, minLength: 1, maxLength: 2, minRepeats: 1, maxRepeats: 2);
var core = new FeedForwardDnc(task.TargetSize);
var trainer = new SequenceTrainer(SequenceModel.FromCore(core), task, RmsProp.TensorFlow1(1e-3f), new TrainerOptions { Seed = 0 });

double lossSum = 0, bitErrorSum = 0;
trainer.StepCompleted += step =>
{
    lossSum += step.Loss;
    bitErrorSum += step.Metric;
    if (step.Step % 50 != 0) return;
    Console.WriteLine($"step {step.Step}: average loss {lossSum / 50:F4}, bit errors per sequence {bitErrorSum / 50:F2}");
    lossSum = bitErrorSum = 0;
};
trainer.Run(200);

Console.WriteLine("Parameters:");
foreach (var (path, tensor) in core.NamedParameters())
    Console.WriteLine($"  {path} [{string.Join(", ", tensor.ShapeArray())}]");
