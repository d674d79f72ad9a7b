using Modules.Dnc.Addressing;
using Modules.Dnc.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Access;

/// <summary>
/// One step of DeepMind's MemoryAccess as a pure function: usage, write weights, erase and write, linkage,
/// read weights, read words — in that order.
/// </summary>
public static class AccessStep
{
    /// <summary>
    /// Applies the interface activations and advances the memory by one step.
    /// </summary>
    /// <param name="raw">Pre-activation interface parts (see <see cref="AccessInterface"/>).</param>
    /// <param name="previous">State at t−1.</param>
    /// <param name="trace">Optional observer of this step's weights (receives detached tensors).</param>
    /// <returns>Read words [B, R, Wd] and the state at t.</returns>
    public static (Tensor ReadWords, AccessState State) Run(AccessInterface raw, AccessState previous, Action<AccessTrace>? trace = null)
    {
        int writes = raw.WriteGate.Dim(1);
        var freeGate = Tensor.Sigmoid(raw.FreeGate);
        var allocationGate = Tensor.Sigmoid(raw.AllocationGate);
        var writeGate = Tensor.Sigmoid(raw.WriteGate);
        var eraseVectors = Tensor.Sigmoid(raw.EraseVectors);
        var readMode = Tensor.Softmax(raw.ReadMode, -1);

        // 1. Usage from the previous step's write and read weights.
        var usage = Usage.Update(previous.Usage, previous.WriteWeights, freeGate, previous.ReadWeights);

        // 2. Write weights: g^w·(g^a·a + (1 − g^a)·c^w), content on the previous memory.
        var writeContent = CosineWeights.Compute(previous.Memory, raw.WriteKeys, raw.WriteStrengths);     // [B, W, N]
        var writeWeights = Allocation.GatedWriteWeights(usage, writeContent, allocationGate, writeGate);    // [B, W, N]

        // 3. Erase then write: M ← M ⊙ Π_W(1 − w^wᵀ e) + Σ_W w^wᵀ v.
        var memory = EraseAndWrite(previous.Memory, writeWeights, eraseVectors, raw.WriteVectors);

        // 4. Temporal linkage.
        var link = Linkage.Link(previous.Linkage.Link, previous.Linkage.PrecedenceWeights, writeWeights);
        var precedence = Linkage.Precedence(previous.Linkage.PrecedenceWeights, writeWeights);

        // 5. Read weights from the new memory and link and the previous read weights.
        var readWeights = ReadWeights(memory, link, previous.ReadWeights, raw.ReadKeys, raw.ReadStrengths, readMode, writes);

        // 6. Read words.
        var readWords = Tensor.MatMul(readWeights, memory);                                                   // [B, R, Wd]

        trace?.Invoke(new AccessTrace(writeWeights.Detach(), readWeights.Detach(), usage.Detach(), readMode.Detach(),
            allocationGate.Detach(), writeGate.Detach()));
        return (readWords, new AccessState(memory, readWeights, writeWeights, new LinkageState(link, precedence), usage));
    }

    /// <summary>
    /// M ⊙ Π_W(1 − w_wᵀ e_w) + Σ_W w_wᵀ v_w: memory [B, N, Wd], weights [B, W, N], erase (after sigmoid)
    /// and values [B, W, Wd] → [B, N, Wd]. One fused op with a hand-written backward to all four inputs.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public static Tensor EraseAndWrite(Tensor memory, Tensor writeWeights, Tensor eraseVectors, Tensor writeVectors)
    {
        if (memory.Rank != 3 || writeWeights.Rank != 3 || writeWeights.Dim(0) != memory.Dim(0) || writeWeights.Dim(2) != memory.Dim(1))
            throw new ShapeMismatchException("EraseAndWrite", memory.Shape, writeWeights.Shape, "must be memory [B, N, Wd] and write weights [B, W, N]");
        int[] vectorShape = [memory.Dim(0), writeWeights.Dim(1), memory.Dim(2)];
        if (!eraseVectors.Shape.SequenceEqual(vectorShape) || !writeVectors.Shape.SequenceEqual(vectorShape))
            throw new ShapeMismatchException("EraseAndWrite", eraseVectors.Shape, writeVectors.Shape,
                $"must be erase and write vectors [B, W, Wd] = [{string.Join(", ", vectorShape)}]");
        return EraseAndWriteKernel.Compute(memory, writeWeights, eraseVectors, writeVectors);
    }

    /// <summary>
    /// π_content·c + Σ_W π_fwd·f + Σ_W π_bwd·b, with read modes [B, R, 1 + 2W] laid out per head as
    /// W backward, W forward, 1 content. Returns [B, R, N].
    /// </summary>
    public static Tensor ReadWeights(Tensor memory, Tensor link, Tensor previousReadWeights, Tensor readKeys, Tensor readStrengths,
        Tensor readMode, int writes)
    {
        var content = CosineWeights.Compute(memory, readKeys, readStrengths);                               // [B, R, N]
        var forward = Linkage.DirectionalReadWeights(link, previousReadWeights, forward: true);              // [B, R, W, N]
        var backward = Linkage.DirectionalReadWeights(link, previousReadWeights, forward: false);
        var backwardMode = readMode.Slice(-1, 0, writes).Unsqueeze(-1);                      // [B, R, W, 1]
        var forwardMode = readMode.Slice(-1, writes, writes).Unsqueeze(-1);
        var contentMode = readMode.Slice(-1, 2 * writes, 1);                                                   // [B, R, 1]
        return contentMode * content + (forwardMode * forward).Sum(2) + (backwardMode * backward).Sum(2);
    }

    /// <summary>The all-zero state for batch B, N cells of Wd, R reads and W writes.</summary>
    public static AccessState ZeroState(int batchSize, int memorySize, int wordSize, int numReads, int numWrites) => new(
        Tensor.Zeros(batchSize, memorySize, wordSize),
        Tensor.Zeros(batchSize, numReads, memorySize),
        Tensor.Zeros(batchSize, numWrites, memorySize),
        new LinkageState(Tensor.Zeros(batchSize, numWrites, memorySize, memorySize), Tensor.Zeros(batchSize, numWrites, memorySize)),
        Tensor.Zeros(batchSize, memorySize));
}
