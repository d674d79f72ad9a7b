using CustomModule;
using Modules;
using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

// A feed-forward-controller DNC trained for a few steps on repeat copy, to show a user-composed core
// working with the same unrolling, optimizer and task code as the library's own DNC.
var task = new RepeatCopy(numBits: 3, batchSize: 8, minLength: 1, maxLength: 2, minRepeats: 1, maxRepeats: 2);
var core = new FeedForwardDnc(task.TargetSize);
var optimizer = RmsProp.TensorFlow1(1e-3f);
var rng = new Generator(1);

double lossSum = 0, bitErrorSum = 0;
for (int step = 1; step <= 200; step++)
{
    var batch = task.Sample(rng);
    var logits = DynamicRnn.Unroll(core, batch.Observations).Outputs;
    var loss = task.Cost(logits, batch.Targets, batch.Mask);
    optimizer.Minimize(loss, core.NamedParameters(), maxGradNorm: 50f);
    lossSum += loss.Item();
    bitErrorSum += RepeatCopy.BitErrors(logits, batch.Targets, batch.Mask);
    if (step % 50 == 0)
    {
        Console.WriteLine($"step {step}: average loss {lossSum / 50:F4}, bit errors per sequence {bitErrorSum / 50:F2}");
        lossSum = bitErrorSum = 0;
    }
}

Console.WriteLine("Parameters:");
foreach (var (path, tensor) in core.NamedParameters())
    Console.WriteLine($"  {path} [{string.Join(", ", tensor.ShapeArray())}]");
