using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// What one <see cref="Freeness"/> step reads, packed into one flat input <c>[B, ParamSize(writes, cells, reads)]</c>
/// in this order: the previous write weights, this step's free gates and the previous read weights. The generator
/// derives <c>ParamSize</c>, <c>PartSizes</c>, <c>PartNames</c> (<c>write_weights</c>, <c>free_gate</c>,
/// <c>read_weights</c>), <c>Split</c> and <c>FromParts</c> from the declared dimensions; <see cref="Pack"/> is the
/// inverse of <c>Split</c>.
/// </summary>
/// <param name="WriteWeights">w^w_{t−1}, [B, W, N].</param>
/// <param name="FreeGate">f_t after sigmoid, [B, R].</param>
/// <param name="ReadWeights">w^r_{t−1}, [B, R, N].</param>
[Parts]
public readonly partial record struct FreenessInputs(
    [Part("writes", "cells")] Tensor WriteWeights,
    [Part("reads")] Tensor FreeGate,
    [Part("reads", "cells")] Tensor ReadWeights)
{
    /// <summary>
    /// Write weights [B, W, N], free gates [B, R] and read weights [B, R, N] → the flat step input
    /// [B, W·N + R + R·N] (differentiable).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The ranks or the batch sizes do not fit.</exception>
    public static Tensor Pack(Tensor writeWeights, Tensor freeGate, Tensor readWeights)
    {
        ArgumentNullException.ThrowIfNull(writeWeights);
        ArgumentNullException.ThrowIfNull(freeGate);
        ArgumentNullException.ThrowIfNull(readWeights);
        int batch = writeWeights.Dim(0);
        if (writeWeights.Rank != 3 || freeGate.Rank != 2 || readWeights.Rank != 3 || freeGate.Dim(0) != batch || readWeights.Dim(0) != batch)
            throw new ShapeMismatchException(
                $"FreenessInputs.Pack: expected write weights [B, W, N], free gate [B, R], read weights [B, R, N], got " +
                $"[{string.Join(", ", writeWeights.ShapeArray())}], [{string.Join(", ", freeGate.ShapeArray())}], [{string.Join(", ", readWeights.ShapeArray())}]");
        return Tensor.Concat(1, writeWeights.Reshape(batch, -1), freeGate, readWeights.Reshape(batch, -1));
    }
}
