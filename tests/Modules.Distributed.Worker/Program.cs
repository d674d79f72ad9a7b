using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Runtime.InteropServices;
using Modules;
using Modules.Checkpoints;
using Modules.Distributed;
using Modules.Dnc;
using Modules.Dnc.Tasks;
using Modules.Tensors;
using Modules.Training;

// One rank of a distributed test scenario. Prints "rank R of P: ..." lines the tests read; a failed check throws, which
// exits with a non-zero code (mpiexec then stops the other ranks).
//   collectives                     broadcast, fixed-order allreduce, allgather, barrier against values computed locally
//   trainer <steps>                 SequenceTrainer: 2 ranks × batch 8 against one process with batch 16, same episodes
//   train|train-kill <steps> <dir>  SequenceTrainer.Run with a checkpoint every step (resuming from <dir>); with
//                                   train-kill rank 1 kills itself after step 3
//   allreduce <floats> <repeats>    the time of one AllReduceSum
//   hang <timeout-s> <dir>          rank 1 stops calling collectives at step 3; rank 0 saves a checkpoint in <dir> after
//                                   every step
string scenario = args.Length > 0 ? args[0] : "";
TimeSpan timeout = scenario == "hang" ? TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture)) : TimeSpan.FromSeconds(120);
using var group = MpiProcessGroup.Start(timeout);
try
{
    switch (scenario)
    {
        case "collectives": Scenarios.Collectives(group); break;
        case "trainer": Scenarios.Trainer(group, int.Parse(args[1], CultureInfo.InvariantCulture)); break;
        case "train" or "train-kill": Scenarios.TrainWithCheckpoints(group, int.Parse(args[1], CultureInfo.InvariantCulture), args[2], kill: scenario == "train-kill"); break;
        case "allreduce": Scenarios.AllReduceCost(group, int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture)); break;
        case "hang": Scenarios.Hang(group, args[2]); break;
        default: throw new ArgumentException($"unknown scenario '{scenario}'");
    }
}
catch (ProcessGroupException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.Flush();
    return 3; // the group's Dispose ends the job (MPI cannot be finalised after a failed collective)
}
return 0;

static class Scenarios
{
    public static void Collectives(MpiProcessGroup group)
    {
        int rank = group.Rank, size = group.Size;

        // Broadcast from the last rank: every rank ends with its values.
        var values = Enumerable.Range(0, 1001).Select(i => rank * 10000f + i).ToArray();
        group.Broadcast(values, root: size - 1);
        for (int i = 0; i < values.Length; i++) Require(values[i] == (size - 1) * 10000f + i, $"broadcast element {i}: {values[i]}");

        // AllReduceSum: lengths below, equal to and not divisible by the number of ranks.
        bool orderMatters = false;
        foreach (int n in new[] { 0, 1, 2, 5, 1000, 100_003 })
        {
            var all = Enumerable.Range(0, size).Select(r => Input(r, n)).ToArray();
            var mine = all[rank].ToArray();
            group.AllReduceSum(mine);
            for (int i = 0; i < n; i++)
            {
                float expected = all[0][i], reversed = all[size - 1][i];
                for (int r = 1; r < size; r++) expected += all[r][i];
                for (int r = size - 2; r >= 0; r--) reversed += all[r][i];
                orderMatters |= BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(reversed);
                Require(BitConverter.SingleToInt32Bits(mine[i]) == BitConverter.SingleToInt32Bits(expected),
                    $"allreduce of {n}: element {i} is {mine[i]:R}, the rank-order sum is {expected:R}");
            }
        }
        Console.WriteLine($"rank {rank} of {size}: order matters for these inputs: {orderMatters}");

        // AllGather: rank r's block is (r, r+1, r+2).
        var gathered = new byte[3 * size];
        group.AllGather(new[] { (byte)rank, (byte)(rank + 1), (byte)(rank + 2) }, gathered);
        for (int r = 0; r < size; r++)
            for (int k = 0; k < 3; k++) Require(gathered[3 * r + k] == r + k, $"allgather block {r} byte {k}: {gathered[3 * r + k]}");

        group.Barrier();
        Console.WriteLine($"rank {rank} of {size}: collectives ok");
    }

    // Values of many magnitudes and both signs, so that sums in different orders round differently.
    private static float[] Input(int rank, int n)
    {
        var rng = new Random(1000 + rank);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-20, 20)));
        return x;
    }

    // SequenceTrainer with the MPI group, 2 ranks × batch 8, against SequenceTrainer in one process with batch 16 on the same
    // episodes (each rank runs both). The distributed model starts from a different seed on every rank: Connect's broadcast
    // must make them equal; the single-process model is seeded like rank 0's.
    public static void Trainer(MpiProcessGroup group, int steps)
    {
        const int globalBatch = 16;
        int rank = group.Rank, size = group.Size;
        Require(globalBatch % size == 0, $"{size} ranks do not divide the batch of {globalBatch}");
        int shard = globalBatch / size;
        var episodes = new FixedEpisodes(new RepeatCopy(numBits: 4, batchSize: globalBatch, minLength: 2, maxLength: 3, minRepeats: 1, maxRepeats: 2), steps);
        var distributed = new SequenceTrainer(SequenceModel.FromCore(NewDnc(episodes, seed: 10 + (ulong)rank)), episodes.Rows(rank * shard, shard),
            RmsProp.TensorFlow1(1e-3f), new TrainerOptions { Group = group });
        var single = new SequenceTrainer(SequenceModel.FromCore(NewDnc(episodes, seed: 10)), episodes.Rows(0, globalBatch), RmsProp.TensorFlow1(1e-3f));
        distributed.Connect();
        single.Connect();
        var parameters = distributed.Model.Module.NamedParameters();
        var reference = single.Model.Module.NamedParameters();
        RequireSameOnAllRanks(group, parameters, "parameters after Connect");
        for (int i = 0; i < parameters.Count; i++) Compare(parameters[i].Value, reference[i].Value, $"initial {parameters[i].Key}", 0f, 0f);
        float worstGradient = 0f, worstParameter = 0f, worstLoss = 0f;
        for (int step = 1; step <= steps; step++)
        {
            var mine = distributed.TrainStep();
            var theirs = single.TrainStep();
            worstLoss = Math.Max(worstLoss, MathF.Abs(mine.Loss - theirs.Loss) / MathF.Abs(theirs.Loss));
            Require(MathF.Abs(mine.Loss - theirs.Loss) <= 1e-5f * MathF.Abs(theirs.Loss), $"step {step}: loss {mine.Loss:R} vs one process {theirs.Loss:R}");
            RequireSameOnAllRanks(group, parameters, $"parameters after step {step}");
            for (int i = 0; i < parameters.Count; i++)
            {
                worstGradient = Math.Max(worstGradient, Compare(parameters[i].Value.Grad!, reference[i].Value.Grad!, $"step {step} gradient of {parameters[i].Key}", 1e-4f, 1e-6f));
                worstParameter = Math.Max(worstParameter, Compare(parameters[i].Value, reference[i].Value, $"step {step} {parameters[i].Key}", 1e-4f, 1e-6f));
            }
        }
        Console.WriteLine(FormattableString.Invariant(
            $"rank {rank} of {size}: trainer ok after {steps} steps; worst relative difference to one process: loss {worstLoss:E2}, gradients {worstGradient:E2}, parameters {worstParameter:E2}"));
    }

    // SequenceTrainer.Run with a checkpoint after every step, resuming from the newest; with `kill`, rank 1 kills itself after step 3.
    public static void TrainWithCheckpoints(MpiProcessGroup group, int steps, string checkpointDir, bool kill)
    {
        var task = new RepeatCopy(numBits: 4, batchSize: 4, minLength: 2, maxLength: 3, minRepeats: 1, maxRepeats: 2);
        var trainer = new SequenceTrainer(SequenceModel.FromCore(NewDnc(task, seed: 10)), task, RmsProp.TensorFlow1(1e-3f),
            new TrainerOptions { Group = group, CheckpointDirectory = checkpointDir, CheckpointInterval = 1 });
        trainer.StepCompleted += report =>
        {
            Console.WriteLine($"rank {group.Rank} of {group.Size}: step {report.Step} done");
            if (kill && group.Rank == 1 && report.Step == 3)
            {
                Console.WriteLine($"rank 1 of {group.Size}: killing myself after step 3");
                Console.Out.Flush();
                Process.GetCurrentProcess().Kill(); // SIGKILL: no clean-up, as when a machine dies
            }
        };
        try
        {
            if (trainer.Resume() is { } from) Console.WriteLine($"rank {group.Rank} of {group.Size}: resumed from {Path.GetFileName(from)} at step {trainer.CompletedSteps}");
        }
        catch (TrainingException e)
        {
            Console.Error.WriteLine($"rank {group.Rank} of {group.Size}: {e.Message}");
            return;
        }
        trainer.Run(steps);
        Console.WriteLine($"rank {group.Rank} of {group.Size}: trained to step {trainer.CompletedSteps}");
    }

    public static void Hang(MpiProcessGroup group, string checkpointDir)
    {
        var buffer = new float[10_000];
        var parameters = new List<KeyValuePair<string, Tensor>> { new("w", Tensor.Zeros(100, 100)) };
        for (int step = 1; step <= 1000; step++)
        {
            if (group.Rank == 1 && step == 3)
            {
                Console.WriteLine($"rank 1 of {group.Size}: hanging at step {step}");
                Console.Out.Flush();
                Thread.Sleep(Timeout.Infinite); // stuck (a deadlock, a hung file system): alive but never joins again
            }
            Array.Fill(buffer, 1f);
            group.AllReduceSum(buffer);
            buffer.AsSpan().CopyTo(parameters[0].Value.Data);
            if (group.Rank == 0)
                Checkpoint.Save(Checkpoint.PathFor(checkpointDir, step), parameters, null,
                    new Dictionary<string, string> { [Checkpoint.StepKey] = step.ToString(CultureInfo.InvariantCulture) });
            Console.WriteLine($"rank {group.Rank} of {group.Size}: step {step} done");
        }
    }

    // The cost of one gradient allreduce: back-to-back AllReduceSum calls on a buffer of `count` floats.
    public static void AllReduceCost(MpiProcessGroup group, int count, int repeats)
    {
        var buffer = new float[count];
        for (int i = 0; i < 20; i++) group.AllReduceSum(buffer);
        group.Barrier();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) group.AllReduceSum(buffer);
        double ms = clock.Elapsed.TotalMilliseconds / repeats;
        Console.WriteLine(FormattableString.Invariant($"rank {group.Rank} of {group.Size}: AllReduceSum of {count} floats ({count * 4 / 1024.0:0} KiB): {ms:0.000} ms"));
    }

    private static Dnc NewDnc(ITask task, ulong seed)
    {
        var dnc = new Dnc(new DncOptions
        {
            OutputSize = task.TargetSize, HiddenSize = 32, MemorySize = 8, WordSize = 6, NumReads = 2, NumWrites = 1,
        });
        dnc.Seed(seed);
        return dnc;
    }

    // Rows [start, start + count) of a time-major [T, B, …] tensor.
    public static Tensor Rows(Tensor t, int start, int count)
    {
        var shape = t.ShapeArray();
        int steps = shape[0], batch = shape[1], inner = t.Size / (steps * batch);
        var rows = new float[steps * count * inner];
        for (int s = 0; s < steps; s++)
            t.Values.Slice((s * batch + start) * inner, count * inner).CopyTo(rows.AsSpan(s * count * inner));
        shape[1] = count;
        return new Tensor(rows, shape);
    }

    // Throws when some |a − b| > atol + rtol·|b|; returns the worst relative difference |a − b| / (|b| + atol).
    private static float Compare(Tensor a, Tensor b, string what, float rtol, float atol)
    {
        float worst = 0f;
        for (int i = 0; i < a.Size; i++)
        {
            float x = a.Values[i], y = b.Values[i], d = MathF.Abs(x - y);
            Require(d <= atol + rtol * MathF.Abs(y), $"{what}[{i}]: {x:R} vs one process {y:R}");
            worst = Math.Max(worst, d / (MathF.Abs(y) + atol));
        }
        return worst;
    }

    private static void RequireSameOnAllRanks(IProcessGroup group, IReadOnlyList<KeyValuePair<string, Tensor>> parameters, string what)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, p) in parameters) hash.AppendData(MemoryMarshal.AsBytes(p.Values));
        byte[] mine = hash.GetHashAndReset();
        var all = new byte[mine.Length * group.Size];
        group.AllGather(mine, all);
        for (int r = 0; r < group.Size; r++)
            Require(all.AsSpan(r * mine.Length, mine.Length).SequenceEqual(mine), $"{what}: rank {r}'s differ from rank {group.Rank}'s");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException(message);
    }
}

// A task whose batches are drawn in advance (one global batch per step, from the wrapped task with a fixed seed), so
// that ranks taking their rows and one process taking them all train on the same episodes.
sealed class FixedEpisodes : ITask
{
    private readonly ITask task;
    private readonly DatasetTensors[] batches;
    private readonly int start, count;
    private int next;

    public FixedEpisodes(ITask task, int steps) : this(task, Draw(task, steps), 0, task.BatchSize) { }

    private FixedEpisodes(ITask task, DatasetTensors[] batches, int start, int count)
    {
        this.task = task;
        this.batches = batches;
        this.start = start;
        this.count = count;
    }

    private static DatasetTensors[] Draw(ITask task, int steps)
    {
        var rng = new Generator(7);
        return Enumerable.Range(0, steps).Select(_ => task.Sample(rng)).ToArray();
    }

    /// <summary>A task that hands out rows [start, start + count) of each global batch, in order.</summary>
    public FixedEpisodes Rows(int first, int rows) => new(task, batches, first, rows);

    public int ObservationSize => task.ObservationSize;
    public int TargetSize => task.TargetSize;
    public int BatchSize => count;
    public int MaxEpisodeLength => task.MaxEpisodeLength;
    public string MetricName => task.MetricName;
    public Tensor Cost(Tensor logits, DatasetTensors batch) => task.Cost(logits, batch);
    public float Metric(Tensor logits, DatasetTensors batch) => task.Metric(logits, batch);

    public DatasetTensors Sample(Generator rng)
    {
        var all = batches[next++];
        return new(Scenarios.Rows(all.Observations, start, count), Scenarios.Rows(all.Targets, start, count), Scenarios.Rows(all.Mask, start, count));
    }
}
