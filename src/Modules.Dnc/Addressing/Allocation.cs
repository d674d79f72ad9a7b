using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Addressing;

/// <summary>
/// Dynamic memory allocation (the paper's allocation weighting a): the least used cells get the
/// largest weight, found by sorting cells by usage.
/// </summary>
public static class Allocation
{
    /// <summary>ε: usage is mapped to ε + (1 − ε)·u so no cell is exactly free or exactly used.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>
    /// a[φ_j] = (1 − u[φ_j])·Π_{i&lt;j} u[φ_i], with φ the cells sorted by ascending usage (ties: lower index
    /// first), after u ← ε + (1 − ε)·u. As in DeepMind's code the sort is a top-k of the non-usage 1 − u, so
    /// float32 ties are judged on 1 − u.
    /// </summary>
    /// <param name="usage">u, [B, N], in [0, 1].</param>
    /// <returns>Allocation weights [B, N].</returns>
    /// <remarks>One fused op; the sort permutation is a constant of its backward, as in TensorFlow's gather gradient.</remarks>
    public static Tensor Weights(Tensor usage)
    {
        if (usage.Rank != 2)
            throw new ArgumentException($"Allocation: usage must be [B, N], got [{string.Join(", ", usage.ShapeArray())}]");
        var kernel = AllocationKernel.Forward(usage, null, 1, Epsilon);
        var output = new Tensor(kernel.Weights, usage.ShapeArray());
        return Tensor.Custom("Allocation", output, [usage], g =>
        {
            var dUsage = new float[usage.Size];
            kernel.Backward(g, null, dUsage, null);
            return [new Tensor(dUsage, usage.ShapeArray())];
        });
    }

    /// <summary>
    /// Allocation weights for several write heads: head i allocates from the usage left by the heads before
    /// it, u ← u + (1 − u)·g_i·a_i.
    /// </summary>
    /// <param name="usage">u, [B, N].</param>
    /// <param name="writeGates">g = allocation gate · write gate, [B, W].</param>
    /// <returns>Allocation weights [B, W, N].</returns>
    /// <remarks>One fused op over all heads, with a hand-written backward to the usage and the gates.</remarks>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public static Tensor WriteWeights(Tensor usage, Tensor writeGates)
    {
        if (usage.Rank != 2 || writeGates.Rank != 2 || writeGates.Dim(0) != usage.Dim(0))
            throw new ShapeMismatchException("Allocation", usage.Shape, writeGates.Shape, "must be usage [B, N] and write gates [B, W]");
        int batch = usage.Dim(0), cells = usage.Dim(1), writes = writeGates.Dim(1);
        var kernel = AllocationKernel.Forward(usage, writeGates, writes, Epsilon);
        var output = new Tensor(kernel.Weights, batch, writes, cells);
        return Tensor.Custom("Allocation", output, [usage, writeGates], g =>
        {
            var dUsage = usage.RequiresGrad ? new float[usage.Size] : null;
            var dGates = writeGates.RequiresGrad ? new float[writeGates.Size] : null;
            kernel.Backward(g, writeGates, dUsage, dGates);
            return [dUsage is null ? null : new Tensor(dUsage, usage.ShapeArray()), dGates is null ? null : new Tensor(dGates, writeGates.ShapeArray())];
        });
    }

    /// <summary>
    /// The write weights w = g_w·(g_a·a + (1 − g_a)·c): each head interpolates between its allocation weights a (the heads
    /// allocating in turn, as <see cref="WriteWeights(Tensor, Tensor)"/> with g = g_a·g_w) and its content weights c, gated by
    /// the write gate.
    /// </summary>
    /// <param name="usage">u, [B, N].</param>
    /// <param name="writeContent">c, content weights on the previous memory, [B, W, N].</param>
    /// <param name="allocationGate">g_a, after sigmoid, [B, W].</param>
    /// <param name="writeGate">g_w, after sigmoid, [B, W].</param>
    /// <returns>Write weights [B, W, N].</returns>
    /// <remarks>One fused op with a hand-written backward to all four inputs.</remarks>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public static Tensor GatedWriteWeights(Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate)
    {
        if (usage.Rank != 2 || writeContent.Rank != 3 || writeContent.Dim(0) != usage.Dim(0) || writeContent.Dim(2) != usage.Dim(1))
            throw new ShapeMismatchException("WriteWeights", usage.Shape, writeContent.Shape, "must be usage [B, N] and content weights [B, W, N]");
        int[] gateShape = [usage.Dim(0), writeContent.Dim(1)];
        if (!allocationGate.Shape.SequenceEqual(gateShape) || !writeGate.Shape.SequenceEqual(gateShape))
            throw new ShapeMismatchException("WriteWeights", allocationGate.Shape, writeGate.Shape,
                $"must be allocation and write gates [B, W] = [{string.Join(", ", gateShape)}]");
        return WriteWeightsKernel.Compute(usage, writeContent, allocationGate, writeGate, Epsilon);
    }
}
