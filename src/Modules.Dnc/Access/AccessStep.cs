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

        // 4–5. Temporal linkage, then read weights from the new memory and link and the previous read weights.
        var (readWeights, linkage) = LinkageAndReadWeights(memory, previous.Linkage, writeWeights, previous.ReadWeights, raw.ReadKeys,
            raw.ReadStrengths, readMode);

        // 6. Read words.
        var readWords = Tensor.MatMul(readWeights, memory);                                                   // [B, R, Wd]

        trace?.Invoke(new AccessTrace(writeWeights.Detach(), readWeights.Detach(), usage.Detach(), readMode.Detach(),
            allocationGate.Detach(), writeGate.Detach()));
        return (readWords, new AccessState(memory, readWeights, writeWeights, linkage, usage));
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
    /// Steps 4 and 5 as one fused op (<see cref="LinkUpdateAndRead"/>): the linkage update L_t, p_t from the write weights,
    /// then the read weights π_content·c + Σ_W π_fwd·f + Σ_W π_bwd·b, with c the content weights on the new memory, f and b
    /// the directional reads of the previous read weights along L_t, and the read modes [B, R, 2W + 1] laid out per head as
    /// W backward, W forward, 1 content.
    /// </summary>
    /// <param name="memory">M_t, [B, N, Wd] (after erase and write).</param>
    /// <param name="previousLinkage">L_{t−1} [B, W, N, N] and p_{t−1} [B, W, N].</param>
    /// <param name="writeWeights">w^w_t, [B, W, N].</param>
    /// <param name="previousReadWeights">w^r_{t−1}, [B, R, N].</param>
    /// <param name="readKeys">[B, R, Wd].</param>
    /// <param name="readStrengths">[B, R] (before softplus).</param>
    /// <param name="readMode">π after the softmax, [B, R, 2W + 1].</param>
    /// <returns>The read weights [B, R, N] and the linkage at t.</returns>
    public static (Tensor ReadWeights, LinkageState Linkage) LinkageAndReadWeights(Tensor memory, LinkageState previousLinkage, Tensor writeWeights,
        Tensor previousReadWeights, Tensor readKeys, Tensor readStrengths, Tensor readMode)
    {
        var content = CosineWeights.Compute(memory, readKeys, readStrengths);                               // [B, R, N]
        var (link, precedence, readWeights) = LinkUpdateAndRead.Apply(previousLinkage.Link, previousLinkage.PrecedenceWeights, writeWeights,
            previousReadWeights, content, readMode);
        return (readWeights, new LinkageState(link, precedence));
    }

    /// <summary>The all-zero state for batch B, N cells of Wd, R reads and W writes.</summary>
    public static AccessState ZeroState(int batchSize, int memorySize, int wordSize, int numReads, int numWrites) => new(
        Tensor.Zeros(batchSize, memorySize, wordSize),
        Tensor.Zeros(batchSize, numReads, memorySize),
        Tensor.Zeros(batchSize, numWrites, memorySize),
        new LinkageState(Tensor.Zeros(batchSize, numWrites, memorySize, memorySize), Tensor.Zeros(batchSize, numWrites, memorySize)),
        Tensor.Zeros(batchSize, memorySize));
}
