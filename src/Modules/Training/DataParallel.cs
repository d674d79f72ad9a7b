using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules.Training;

/// <summary>
/// Data parallelism over the batch: a training iteration whose batch is cut into shards, each shard's loss computed and
/// back-propagated on its own thread through the same parameters, and the shards' gradients summed in shard order before
/// clipping and the optimizer step. The result does not depend on how many cores run it or how the threads interleave.
/// </summary>
/// <remarks>
/// Shard 0's backward adds its parameter gradients to <see cref="Tensor.Grad"/>, every other shard's to a private
/// <see cref="GradientCapture"/>, which are then added in shard order on the calling thread. Modules create their
/// parameters on first use, so while <see cref="Module.IsConnected"/> is false shard 0 runs alone first. The forward
/// passes must not share mutable state other than the parameters (the library's modules and ops do not).
/// <see cref="SequenceTrainer"/> shards its steps this way with <see cref="TrainerOptions.BatchShards"/>.
/// </remarks>
public static class DataParallel
{
    /// <summary>
    /// One training iteration: runs <paramref name="shardLoss"/> for shards 0 … <paramref name="shards"/> − 1 in parallel,
    /// back-propagates each, sets every parameter's gradient to the sum over shards, clips to a global norm of
    /// <paramref name="maxGradNorm"/> (when positive) and applies <paramref name="optimizer"/>'s step.
    /// </summary>
    /// <param name="optimizer">The optimizer to step.</param>
    /// <param name="model">The module whose parameters are trained (<c>NamedParameters()</c> after the forward passes).</param>
    /// <param name="shards">How many shards to run, at least 1.</param>
    /// <param name="shardLoss">
    /// Shard index → that shard's share of the batch loss, a one-element tensor, scaled so that the shares sum to the full
    /// batch's loss (for a loss averaged over the batch: the shard's mean times its fraction of the batch).
    /// </param>
    /// <param name="maxGradNorm">The global-norm clip; 0 or less: no clipping.</param>
    /// <returns>The batch loss (the sum of the shard losses) and the gradients' global norm before clipping (NaN when not clipping).</returns>
    public static (float Loss, float GradNorm) Minimize(Optimizer optimizer, Module model, int shards, Func<int, Tensor> shardLoss,
        float maxGradNorm = 0f)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shardLoss);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);

        var losses = new float[shards];
        var state = (shardLoss, losses);
        int first = 0;
        if (model.IsConnected) Optimizer.ZeroGrad(model.NamedParameters());
        else RunShard(state, first++);   // creates the parameters before any other thread needs them
        var parameters = model.NamedParameters();
        new ShardedBackward().Run(parameters, first, shards, state, RunShard);
        float norm = maxGradNorm > 0f ? GradientClipping.ClipGradientsByGlobalNorm(parameters, maxGradNorm) : float.NaN;
        optimizer.Step(parameters);

        float total = 0f;
        foreach (float loss in losses) total += loss;
        return (total, norm);
    }

    private static void RunShard((Func<int, Tensor> Loss, float[] Losses) s, int shard)
    {
        var loss = s.Loss(shard);
        s.Losses[shard] = loss.Item();
        loss.Backward();
    }

    /// <summary>
    /// Splits <paramref name="batchSize"/> rows into <paramref name="shards"/> contiguous ranges as equal as possible
    /// (the first ones one row longer when it does not divide), for cutting a batch into shards.
    /// </summary>
    /// <returns>Each shard's first row and row count, in order.</returns>
    public static (int Start, int Count)[] Partition(int batchSize, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        if (shards > batchSize)
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"DataParallel: {shards} shards of a batch of {batchSize}");
        var ranges = new (int, int)[shards];
        int start = 0;
        for (int i = 0; i < shards; i++)
        {
            int count = batchSize / shards + (i < batchSize % shards ? 1 : 0);
            ranges[i] = (start, count);
            start += count;
        }
        return ranges;
    }
}

/// <summary>
/// The backward passes of a batch's shards on the worker team, their gradients left summed in shard order in the
/// parameters' <see cref="Tensor.Grad"/>; its gradient captures are kept from call to call, so a warm training loop
/// allocates nothing here.
/// </summary>
internal sealed class ShardedBackward
{
    // The helpers keep watching for the next step's shards through the step's serial part (clipping, the optimizer, the next
    // batch: about 0.1 ms at DeepMind's defaults): waking a sleeping helper took 40 µs there, a twentieth of a shard.
    private static readonly TimeSpan WatchForNextStep = TimeSpan.FromMilliseconds(1);

    private GradientCapture[] captures = [];

    /// <summary>
    /// Runs <paramref name="shard"/>(state, s) for shards <paramref name="first"/> … <paramref name="shards"/> − 1, in
    /// parallel. Each call computes its shard's share of the loss and back-propagates it: shard 0 into the parameters'
    /// gradients (cleared before, or holding what shard 0 already gave), every other shard into a capture of its own, which
    /// is then added to the parameters' gradients in shard order.
    /// </summary>
    public void Run<TState>(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, int first, int shards, TState state,
        Action<TState, int> shard)
    {
        if (captures.Length < shards - 1)
        {
            int old = captures.Length;
            Array.Resize(ref captures, shards - 1);
            for (int i = old; i < captures.Length; i++) captures[i] = new GradientCapture();
        }
        WorkerTeam.For(shards - first, Environment.ProcessorCount, (this, first, state, shard),
            static (s, i) => s.Item1.RunOne(s.first + i, s.state, s.shard), WatchForNextStep);
        for (int s = Math.Max(first, 1); s < shards; s++)
        {
            var capture = captures[s - 1];
            for (int i = 0; i < parameters.Count; i++)
                if (capture[parameters[i].Value] is { } g) parameters[i].Value.AccumulateGrad(g);
        }
    }

    private void RunOne<TState>(int s, TState state, Action<TState, int> shard)
    {
        if (s == 0)
        {
            shard(state, 0);
            return;
        }
        var capture = captures[s - 1];
        capture.Clear();
        using (Tensor.CaptureGradients(capture)) shard(state, s);
    }
}
