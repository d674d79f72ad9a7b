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
//   dnc-step <steps>                2 ranks × half batch vs one process with the whole batch, on the real DNC
//   bench <defaults|large> <warm-up> <steps>  data-parallel DNC training steps/s and the cost of one gradient allreduce
//   kill|hang <timeout-s> <dir>     rank 1 kills itself (SIGKILL) or stops calling collectives at step 3; rank 0 saves a
//                                   checkpoint in <dir> after every step
string scenario = args.Length > 0 ? args[0] : "";
TimeSpan timeout = scenario is "kill" or "hang" ? TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture)) : TimeSpan.FromSeconds(120);
using var group = MpiProcessGroup.Start(timeout);
try
{
    switch (scenario)
    {
        case "collectives": Scenarios.Collectives(group); break;
        case "dnc-step": Scenarios.DncStep(group, int.Parse(args[1], CultureInfo.InvariantCulture)); break;
        case "bench": Scenarios.Bench(group, args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture)); break;
        case "kill" or "hang": Scenarios.Fault(group, kill: scenario == "kill", args[2]); break;
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

    public static void DncStep(MpiProcessGroup group, int steps)
    {
        const int globalBatch = 16;
        int rank = group.Rank, size = group.Size;
        Require(globalBatch % size == 0, $"{size} ranks do not divide the batch of {globalBatch}");
        int shard = globalBatch / size;
        var task = new RepeatCopy(numBits: 4, batchSize: globalBatch, minLength: 2, maxLength: 3, minRepeats: 1, maxRepeats: 2);

        // The distributed model starts from a different seed on every rank: the broadcast must make them equal.
        var model = NewDnc(task, seed: 10 + (ulong)rank);
        var reference = NewDnc(task, seed: 99);
        var parameters = model.NamedParameters();
        var referenceParameters = reference.NamedParameters();
        var sync = new ParameterSync(group);
        sync.BroadcastParameters(parameters);
        for (int i = 0; i < parameters.Count; i++) parameters[i].Value.Values.CopyTo(referenceParameters[i].Value.Data);
        RequireSameOnAllRanks(group, parameters, "parameters after the broadcast");

        var optimizer = RmsProp.TensorFlow1(1e-3f);
        var referenceOptimizer = RmsProp.TensorFlow1(1e-3f);
        var rng = new Generator(7); // the same global batches on every rank; each takes its rows
        float worstGradient = 0f, worstParameter = 0f;
        for (int step = 0; step < steps; step++)
        {
            var batch = task.Sample(rng);

            Optimizer.ZeroGrad(parameters);
            var logits = DynamicRnn.Unroll(model, Rows(batch.Observations, rank * shard, shard)).Outputs;
            // A rank's mean over its rows times its share of the batch: the ranks' sum is the global batch's mean.
            var loss = task.Cost(logits, Rows(batch.Targets, rank * shard, shard), Rows(batch.Mask, rank * shard, shard)) * ((float)shard / globalBatch);
            loss.Backward();
            sync.SumGradients(parameters);
            GradientClipping.ClipGradientsByGlobalNorm(parameters, 50f);

            Optimizer.ZeroGrad(referenceParameters);
            var referenceLogits = DynamicRnn.Unroll(reference, batch.Observations).Outputs;
            task.Cost(referenceLogits, batch.Targets, batch.Mask).Backward();
            GradientClipping.ClipGradientsByGlobalNorm(referenceParameters, 50f);
            for (int i = 0; i < parameters.Count; i++)
                worstGradient = Math.Max(worstGradient, Compare(parameters[i].Value.Grad!, referenceParameters[i].Value.Grad!, $"step {step} gradient of {parameters[i].Key}", 1e-4f, 1e-6f));

            optimizer.Step(parameters);
            referenceOptimizer.Step(referenceParameters);
            RequireSameOnAllRanks(group, parameters, $"parameters after step {step + 1}");
            for (int i = 0; i < parameters.Count; i++)
                worstParameter = Math.Max(worstParameter, Compare(parameters[i].Value, referenceParameters[i].Value, $"step {step + 1} {parameters[i].Key}", 1e-4f, 1e-6f));
        }

        // A rank that joins with no optimizer state receives rank 0's.
        var fresh = RmsProp.TensorFlow1(1e-3f);
        sync.BroadcastOptimizer(rank == 0 ? optimizer : fresh);
        if (rank != 0)
        {
            var expected = optimizer.Slots.ToList();
            var received = fresh.Slots.ToList();
            Require(received.Count == expected.Count, $"optimizer broadcast: {received.Count} slots, expected {expected.Count}");
            for (int i = 0; i < expected.Count; i++)
                Require(received[i].Key == expected[i].Key && received[i].Value.Values.SequenceEqual(expected[i].Value.Values),
                    $"optimizer broadcast: slot {expected[i].Key} differs");
        }
        Console.WriteLine(FormattableString.Invariant(
            $"rank {rank} of {size}: dnc-step ok after {steps} steps; worst relative difference to one process: gradients {worstGradient:E2}, parameters {worstParameter:E2}"));
    }

    public static void Fault(MpiProcessGroup group, bool kill, string checkpointDir)
    {
        var buffer = new float[10_000];
        var parameters = new List<KeyValuePair<string, Tensor>> { new("w", Tensor.Zeros(100, 100)) };
        for (int step = 1; step <= 1000; step++)
        {
            if (group.Rank == 1 && step == 3)
            {
                Console.WriteLine($"rank 1 of {group.Size}: {(kill ? "killing myself" : "hanging")} at step {step}");
                Console.Out.Flush();
                if (kill) Process.GetCurrentProcess().Kill(); // SIGKILL: no clean-up, as when a machine dies
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

    // Dnc.Train's loop (RMSProp TF1, clip 50) on this rank's rows of each global batch, at benchmarks/compare.sh's two
    // configurations; then back-to-back allreduces of the gradient buffer alone.
    public static void Bench(MpiProcessGroup group, string configuration, int warmup, int steps)
    {
        var (batch, hidden, memory, word, task) = configuration switch
        {
            "defaults" => (16, 64, 16, 16, new RepeatCopy(numBits: 4, batchSize: 16, minLength: 1, maxLength: 2, minRepeats: 1, maxRepeats: 2)),
            "large" => (32, 256, 128, 32, new RepeatCopy(numBits: 8, batchSize: 32, minLength: 1, maxLength: 5, minRepeats: 1, maxRepeats: 2)),
            _ => throw new ArgumentException($"unknown configuration '{configuration}'"),
        };
        int shard = batch / group.Size;
        var model = new Dnc(new DncOptions
        {
            OutputSize = task.TargetSize, HiddenSize = hidden, MemorySize = memory, WordSize = word, NumReads = 4, NumWrites = 1,
        });
        model.Seed(1);
        using (Tensor.NoGrad()) DynamicRnn.Unroll(model, Tensor.Zeros(1, 1, task.ObservationSize));
        var parameters = model.NamedParameters();
        var sync = new ParameterSync(group);
        sync.BroadcastParameters(parameters);
        var optimizer = RmsProp.TensorFlow1(1e-4f);
        var rng = new Generator(3);
        var clock = new Stopwatch();
        var inSync = new Stopwatch();
        for (int step = 0; step < warmup + steps; step++)
        {
            if (step == warmup) { group.Barrier(); clock.Restart(); inSync.Reset(); }
            var data = task.Sample(rng);
            Optimizer.ZeroGrad(parameters);
            var logits = DynamicRnn.Unroll(model, Rows(data.Observations, group.Rank * shard, shard)).Outputs;
            var loss = task.Cost(logits, Rows(data.Targets, group.Rank * shard, shard), Rows(data.Mask, group.Rank * shard, shard)) * ((float)shard / batch);
            loss.Backward();
            inSync.Start();
            sync.SumGradients(parameters);
            inSync.Stop();
            GradientClipping.ClipGradientsByGlobalNorm(parameters, 50f);
            optimizer.Step(parameters);
        }
        group.Barrier();
        double seconds = clock.Elapsed.TotalSeconds;

        int count = parameters.Sum(p => p.Value.Size);
        var buffer = new float[count];
        int repeats = 200;
        group.Barrier();
        var reduce = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) group.AllReduceSum(buffer);
        double allreduceMs = reduce.Elapsed.TotalMilliseconds / repeats;
        Console.WriteLine(FormattableString.Invariant(
            $"rank {group.Rank} of {group.Size}: {configuration}: global batch {batch}, {count} parameters; {steps / seconds:0.00} steps/s ({seconds * 1000 / steps:0.00} ms/step, of which {inSync.Elapsed.TotalMilliseconds / steps:0.00} ms in SumGradients incl. waiting); one allreduce alone {allreduceMs:0.000} ms"));
    }

    private static Dnc NewDnc(RepeatCopy task, ulong seed)
    {
        var dnc = new Dnc(new DncOptions
        {
            OutputSize = task.TargetSize, HiddenSize = 32, MemorySize = 8, WordSize = 6, NumReads = 2, NumWrites = 1,
        });
        dnc.Seed(seed);
        using (Tensor.NoGrad()) DynamicRnn.Unroll(dnc, Tensor.Zeros(1, 1, task.ObservationSize)); // creates the parameters
        return dnc;
    }

    // Rows [start, start + count) of a time-major [T, B, …] tensor.
    private static Tensor Rows(Tensor t, int start, int count)
    {
        var shape = t.ShapeArray();
        int steps = shape[0], batch = shape[1], inner = t.Size / (steps * batch);
        var rows = new float[steps * count * inner];
        for (int s = 0; s < steps; s++)
            t.Values.Slice((s * batch + start) * inner, count * inner).CopyTo(rows.AsSpan(s * count * inner));
        shape[1] = count;
        return new Tensor(rows, shape);
    }

    // The largest |a − b| / (atol + rtol·|b|) · rtol, i.e. the worst relative difference; throws when above the tolerance.
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
