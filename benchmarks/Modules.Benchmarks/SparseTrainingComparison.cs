using System.Diagnostics;
using Modules.Dnc;
using Modules.Dnc.Sparse;
using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Benchmarks;

/// <summary>
/// SAM, SDNC and the DNC trained side by side on repeat copy with a memory of 64 rows, the same episodes (one batch
/// stream per model, same seed), the same controller and optimizer as <see cref="DncTrainingRun"/>: a small loop that
/// reports the mean loss and bit errors per window of steps, and the time per step.
/// </summary>
public static class SparseTrainingComparison
{
    /// <summary>One row of a loss curve: the last step of the window, its mean loss and bit errors per sequence.</summary>
    public readonly record struct Point(int Step, float Loss, float BitErrors);

    /// <summary>Trains each model for <paramref name="steps"/> steps and writes a table of the curves to <paramref name="output"/>.</summary>
    public static void Run(TextWriter output, int steps = 2000, int window = 250, float learningRate = 1e-3f, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(output);
        var configuration = DncConfiguration.Defaults with { Name = "memory-64", MemorySize = 64, LearningRate = learningRate, Seed = seed };
        var task = new RepeatCopy(configuration.NumBits, configuration.BatchSize, configuration.MinLength, configuration.MaxLength,
            configuration.MinRepeats, configuration.MaxRepeats);
        var curves = new List<(string Name, IReadOnlyList<Point> Curve, double MsPerStep)>
        {
            Train("dnc", new Dnc.Dnc(new DncOptions
            {
                OutputSize = task.TargetSize, HiddenSize = configuration.HiddenSize, MemorySize = 64, WordSize = configuration.WordSize,
                NumReads = configuration.NumReadHeads,
            }), task, configuration, steps, window),
            Train("sam", new Sam(new SamOptions
            {
                OutputSize = task.TargetSize, HiddenSize = configuration.HiddenSize, MemorySize = 64, WordSize = configuration.WordSize,
                NumReads = configuration.NumReadHeads,
            }), task, configuration, steps, window),
            Train("sdnc", new Sdnc(new SdncOptions
            {
                OutputSize = task.TargetSize, HiddenSize = configuration.HiddenSize, MemorySize = 64, WordSize = configuration.WordSize,
                NumReads = configuration.NumReadHeads,
            }), task, configuration, steps, window),
        };
        output.WriteLine($"repeat copy, memory 64×{configuration.WordSize}, batch {configuration.BatchSize}, RMSProp lr {learningRate}, seed {seed}: " +
            "mean loss (bit errors per sequence) over each window");
        output.WriteLine("| steps | " + string.Join(" | ", curves.Select(c => c.Name)) + " |");
        output.WriteLine("|---|" + string.Concat(curves.Select(_ => "---|")));
        for (int i = 0; i < curves[0].Curve.Count; i++)
            output.WriteLine($"| {curves[0].Curve[i].Step} | " +
                string.Join(" | ", curves.Select(c => $"{c.Curve[i].Loss:F2} ({c.Curve[i].BitErrors:F2})")) + " |");
        output.WriteLine("| ms/step | " + string.Join(" | ", curves.Select(c => $"{c.MsPerStep:F1}")) + " |");
    }

    private static (string, IReadOnlyList<Point>, double) Train<TState>(string name, IRnnCore<TState> core, RepeatCopy task,
        DncConfiguration configuration, int steps, int window) where TState : struct, IState<TState>
    {
        var model = (Module)core;
        model.Seed(configuration.Seed);
        using (Tensor.NoGrad()) DynamicRnn.Unroll(core, Tensor.Zeros(1, configuration.BatchSize, task.ObservationSize));
        var optimizer = RmsProp.TensorFlow1(configuration.LearningRate, epsilon: configuration.OptimizerEpsilon);
        var data = new Generator(configuration.Seed * 2 + 1);
        var curve = new List<Point>();
        double loss = 0, bitErrors = 0;
        var clock = Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            var batch = task.Sample(data);
            var logits = DynamicRnn.Unroll(core, batch.Observations).Outputs;
            var cost = task.Cost(logits, batch.Targets, batch.Mask);
            optimizer.Minimize(cost, model.NamedParameters(), configuration.MaxGradNorm);
            loss += cost.Item();
            bitErrors += RepeatCopy.BitErrors(logits, batch.Targets, batch.Mask);
            if (step % window == 0)
            {
                curve.Add(new Point(step, (float)(loss / window), (float)(bitErrors / window)));
                loss = bitErrors = 0;
            }
        }
        Console.Error.WriteLine($"{name}: " + string.Join(", ", curve.Select(p => $"{p.Step}: {p.Loss:F2}")));
        return (name, curve, clock.Elapsed.TotalMilliseconds / steps);
    }
}
