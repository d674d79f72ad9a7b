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
        const string op = "FreenessInputs.Pack";
        if (writeWeights.Rank != 3) throw new ShapeMismatchException(op, "write weights", [-1, -1, -1], writeWeights.Shape, " ([B, W, N])");
        int batch = writeWeights.Dim(0);
        if (freeGate.Rank != 2 || freeGate.Dim(0) != batch)
            throw new ShapeMismatchException(op, "free gate", [batch, -1], freeGate.Shape, " ([B, R])");
        if (readWeights.Rank != 3 || readWeights.Dim(0) != batch)
            throw new ShapeMismatchException(op, "read weights", [batch, -1, -1], readWeights.Shape, " ([B, R, N])");
        return Tensor.Concat(1, writeWeights.Reshape(batch, -1), freeGate, readWeights.Reshape(batch, -1));
    }
}
