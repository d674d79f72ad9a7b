using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules.Training;

/// <summary>
/// Data parallelism over the batch: a training iteration whose batch is cut into shards, each shard's loss computed and
/// back-propagated on its own thread through the same parameters, and the shards' gradients summed in shard order before
/// clipping and the optimizer step. The result does not depend on how many cores run it or how the threads interleave.
/// </summary>
/// <remarks>
/// Every shard's backward adds its parameter gradients to a private <see cref="GradientCapture"/>; only the calling
/// thread touches <see cref="Tensor.Grad"/>. Modules create their parameters on first use, so while
/// <see cref="Module.IsConnected"/> is false shard 0 runs alone first. The forward passes must not share mutable state other
/// than the parameters (the library's modules and ops do not).
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
        var captures = new GradientCapture[shards];
        void Run(int shard)
        {
            var capture = new GradientCapture();
            using (Tensor.CaptureGradients(capture))
            {
                var loss = shardLoss(shard);
                losses[shard] = loss.Item();
                loss.Backward();
            }
            captures[shard] = capture;
        }

        int first = 0;
        if (!model.IsConnected) Run(first++); // creates the parameters before any other thread needs them
        if (shards - first == 1) Run(first);
        else if (shards > first)
        {
            try
            {
                Parallel.For(first, shards, Run);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }

        var parameters = model.NamedParameters();
        foreach (var (_, parameter) in parameters) parameter.Grad = SumInShardOrder(captures, parameter);
        float norm = maxGradNorm > 0f ? GradientClipping.ClipGradientsByGlobalNorm(parameters, maxGradNorm) : float.NaN;
        optimizer.Step(parameters);

        float total = 0f;
        foreach (float loss in losses) total += loss;
        return (total, norm);
    }

    private static Tensor? SumInShardOrder(GradientCapture[] captures, Tensor parameter)
    {
        Tensor? sum = null;
        foreach (var capture in captures)
        {
            if (capture[parameter] is not { } g) continue;
            if (sum is null) sum = g; // the capture's own buffer: no one else holds it
            else TensorPrimitives.Add(sum.Values, g.Values, sum.Data);
        }
        return sum;
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
