using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// DeepMind's <c>MemoryAccess</c>: the controller output [B, H] drives one linear head per interface part
/// (<c>read_keys</c>, <c>read_strengths</c>, <c>write_keys</c>, <c>write_strengths</c>, <c>erase_vectors</c>,
/// <c>write_vectors</c>, <c>free_gate</c>, <c>allocation_gate</c>, <c>write_gate</c>, <c>read_mode</c>; sizes from
/// <see cref="AccessInterface"/>'s declared parts), and each step composes the DeepMind-named parts in DeepMind's order:
/// <see cref="Freeness"/> updates the usage, <see cref="ContentAddressing"/> on the previous memory and the allocation give
/// the write weights, the memory is erased and written, <see cref="TemporalLinkage"/> updates the links and mixes the
/// directional and content reads into the read weights, and the read words [B, R, Wd] are read from the new memory
/// (from the previous one with <see cref="ReadBeforeWrite"/>).
/// </summary>
/// <remarks>
/// Parameters: <c>&lt;path&gt;/&lt;head&gt;/{w,b}</c> for the ten heads; the parts have none unless a content-addressing
/// module passed in creates some. A step is four ops with hand-written backward passes: the write lookup
/// (<see cref="WriteContentWeights"/>), one fused op for the gate activations, usage, allocation, write weights and
/// erase-and-write, the read lookup (<see cref="ReadContentWeights"/>), and one fused op for the read-mode softmax, link
/// update, read weights and read words. The fused ops run the same per-item kernels as <see cref="Freeness"/>,
/// <see cref="TemporalLinkage"/> and <see cref="EraseAndWrite"/>, so a step gives the same floats as those parts composed.
/// </remarks>
[Module]
public sealed partial class MemoryAccess : Module, IMemoryAccess<AccessState>
{
    private readonly Linear[] heads;
    private readonly int[][] partShapes;
    private readonly ContentAddressing writeContentWeights;
    private readonly ContentAddressing readContentWeights;
    private readonly TemporalLinkage linkage;
    private readonly Freeness freeness;

    /// <summary>The heads' weights and biases as last handed to <see cref="Affine.ApplyHeads"/>: reused while the heads
    /// return the same parameters, never changed once handed out (an op of an earlier step may still hold them).</summary>
    private Tensor[]? headWeights, headBiases;

    /// <summary>
    /// Creates the access module: <paramref name="memorySize"/> cells (N) of <paramref name="wordSize"/> (Wd),
    /// <paramref name="numReads"/> read heads (R) and <paramref name="numWrites"/> write heads (W). Default name
    /// <c>memory_access</c>.
    /// </summary>
    /// <param name="memorySize">N.</param>
    /// <param name="wordSize">Wd.</param>
    /// <param name="numReads">R.</param>
    /// <param name="numWrites">W.</param>
    /// <param name="writeContentAddressing">Addresses memory by the write keys; by default a <see cref="ContentAddressing"/> named <c>write_content_weights</c>.</param>
    /// <param name="readContentAddressing">Addresses memory by the read keys; by default a <see cref="ContentAddressing"/> named <c>read_content_weights</c>.</param>
    /// <param name="name">The module's name.</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public MemoryAccess(int memorySize, int wordSize, int numReads, int numWrites, ContentAddressing? writeContentAddressing = null,
        ContentAddressing? readContentAddressing = null, string? name = null) : base(name)
    {
        if (memorySize < 1 || wordSize < 1 || numReads < 1 || numWrites < 1)
            throw new ArgumentException($"MemoryAccess: sizes must be positive (memory {memorySize}, word {wordSize}, reads {numReads}, writes {numWrites})");
        MemorySize = memorySize;
        WordSize = wordSize;
        NumReads = numReads;
        NumWrites = numWrites;
        var sizes = AccessInterface.PartSizes(numReads, wordSize, numWrites, NumReadModes);
        heads = new Linear[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) heads[i] = new Linear(sizes[i], AccessInterface.PartNames[i]);
        // Each part's trailing shape, in AccessInterface's order (its declared dimensions).
        int modes = NumReadModes;
        partShapes =
        [
            [numReads, wordSize], [numReads], [numWrites, wordSize], [numWrites], [numWrites, wordSize],
            [numWrites, wordSize], [numReads], [numWrites], [numWrites], [numReads, modes],
        ];
        for (int i = 0; i < sizes.Length; i++)
            if (partShapes[i].Aggregate(1, (a, d) => a * d) != sizes[i])
                throw new InvalidOperationException($"MemoryAccess: part {AccessInterface.PartNames[i]} has {sizes[i]} values, not the shape [{string.Join(", ", partShapes[i])}]");
        writeContentWeights = writeContentAddressing ?? new ContentAddressing("write_content_weights");
        readContentWeights = readContentAddressing ?? new ContentAddressing("read_content_weights");
        linkage = new TemporalLinkage(memorySize, numWrites);
        freeness = new Freeness(memorySize, numReads, numWrites);
    }

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; }

    /// <summary>Wd, the size of a memory word.</summary>
    public int WordSize { get; }

    /// <summary>R, the number of read heads.</summary>
    public int NumReads { get; }

    /// <summary>W, the number of write heads.</summary>
    public int NumWrites { get; }

    /// <summary>Read modes per read head: W backward, W forward, 1 content.</summary>
    public int NumReadModes => 1 + 2 * NumWrites;

    /// <summary>The size of the flat interface vector ξ the heads produce together.</summary>
    public int InterfaceSize => AccessInterface.ParamSize(NumReads, WordSize, NumWrites, NumReadModes);

    /// <summary>The content addressing of the write keys.</summary>
    public ContentAddressing WriteContentWeights => writeContentWeights;

    /// <summary>The content addressing of the read keys.</summary>
    public ContentAddressing ReadContentWeights => readContentWeights;

    /// <summary>The temporal linkage.</summary>
    public TemporalLinkage Linkage => linkage;

    /// <summary>The usage and allocation.</summary>
    public Freeness Freeness => freeness;

    /// <summary>
    /// Whether the read heads look up and read the memory as it was before this step's write (false: DeepMind's order,
    /// which writes and then reads). The usage, write, links and read modes are the same either way; only the read lookup
    /// and the read words [B, R, Wd] use the previous memory, so a read key can no longer match the word its own step has
    /// just written.
    /// </summary>
    /// <remarks>
    /// Why: on tasks whose answer repeats part of the query (graph traversal), DeepMind's order lets a read head settle on
    /// the echo of its own step's write, which carries the query, and it may then never learn to look up the stored
    /// items. Reading first leaves only those items to match.
    /// </remarks>
    public bool ReadBeforeWrite { get; init; }

    /// <summary>
    /// Called after every step with that step's write and read weights, the usage after freeing (before this step's
    /// write), the read modes, the new memory and the new link (detached).
    /// </summary>
    public Action<MemoryTrace>? Trace { get; set; }

    /// <summary>Controller output [B, H] and the previous state → read words [B, R, Wd] and the new state.</summary>
    /// <exception cref="ShapeMismatchException">The input or the memory has the wrong shape (the message names the module path).</exception>
    public (Tensor Output, AccessState State) Step(Tensor input, AccessState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2)
            throw new ShapeMismatchException(Path, "input", [-1, -1], input.Shape, " ([B, H])");
        int batch = input.Dim(0);
        if (state.Memory.Dim(0) != batch || state.Memory.Dim(1) != MemorySize || state.Memory.Dim(2) != WordSize)
            throw new ShapeMismatchException(Path, "memory", [batch, MemorySize, WordSize], state.Memory.Shape);
        // All ten interface heads in one op (one product), each part already shaped [B, dims...].
        var (weights, biases) = HeadParameters(input.Dim(1));
        var p = Affine.ApplyHeads(input, weights, biases, partShapes);
        return Apply(new AccessInterface(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]), state);
    }

    /// <summary>The ten heads' weights [H, size] and biases [size] for <paramref name="inputSize"/> inputs, in arrays built once and
    /// kept while the heads' parameters stay the same objects (new arrays when any changed, say after a checkpoint was loaded).</summary>
    private (Tensor[] Weights, Tensor[] Biases) HeadParameters(int inputSize)
    {
        if (headWeights is { } weights && headBiases is { } biases)
        {
            bool same = true;
            for (int i = 0; i < heads.Length && same; i++)
            {
                var (w, b) = heads[i].Connect(inputSize);
                same = ReferenceEquals(w, weights[i]) && ReferenceEquals(b, biases[i]);
            }
            if (same) return (weights, biases);
        }
        weights = new Tensor[heads.Length];
        biases = new Tensor[heads.Length];
        for (int i = 0; i < heads.Length; i++) (weights[i], biases[i]) = heads[i].Connect(inputSize);
        (headWeights, headBiases) = (weights, biases);
        return (weights, biases);
    }

    /// <summary>
    /// One step from the heads' raw outputs (DeepMind's <c>_step</c> after <c>_read_inputs</c>): the activations, usage,
    /// write weights, erase and write, linkage and read weights, and the read words.
    /// </summary>
    /// <param name="raw">The pre-activation interface parts, B entries.</param>
    /// <param name="state">The state at t − 1.</param>
    /// <returns>Read words [B, R, Wd] and the state at t.</returns>
    public (Tensor Output, AccessState State) Apply(AccessInterface raw, AccessState state)
    {
        CheckShapes(raw, state);
        // 1–3. Gates, usage from the previous step's write and read weights, write weights g^w·(g^a·a + (1 − g^a)·c^w) with
        // the content weights on the previous memory, then erase and write: one fused op after the write lookup.
        var writeContent = writeContentWeights.Forward(state.Memory, raw.WriteKeys, raw.WriteStrengths);   // [B, W, N]
        var (usage, writeWeights, memory) = Kernels.AccessStepKernel.Write(state.Usage, state.WriteWeights, raw.FreeGate, state.ReadWeights,
            writeContent, raw.AllocationGate, raw.WriteGate, raw.EraseVectors, raw.WriteVectors, state.Memory, Freeness.AllocationEpsilon);

        // 4–6. Read modes, linkage, read weights from the memory read (the new one, or the previous one with
        // ReadBeforeWrite), the new link and the previous read weights, and the read words: one fused op after the read lookup.
        var readMemory = ReadBeforeWrite ? state.Memory : memory;
        var readContent = readContentWeights.Forward(readMemory, raw.ReadKeys, raw.ReadStrengths);          // [B, R, N]
        var (link, precedence, readWeights, readWords, readModes) = Kernels.AccessStepKernel.Read(writeWeights, state.Linkage.Link,
            state.Linkage.PrecedenceWeights, state.ReadWeights, readContent, raw.ReadMode, readMemory);

        Trace?.Invoke(new MemoryTrace(writeWeights.Detach(), readWeights.Detach(), usage.Detach(), readModes.Detach(), memory.Detach(),
            link.Detach()));
        return (readWords, new AccessState(memory, readWeights, writeWeights, new LinkageState(link, precedence), usage));
    }

    /// <summary>Every interface part and state tensor has this module's shape for the memory's batch, or a <see cref="ShapeMismatchException"/> naming the module path and the part.</summary>
    private void CheckShapes(AccessInterface raw, AccessState state)
    {
        ArgumentNullException.ThrowIfNull(state.Memory, "memory");
        int batch = state.Memory.Dim(0);
        Require("memory", state.Memory, [batch, MemorySize, WordSize]);
        ReadOnlySpan<Tensor> parts = [raw.ReadKeys, raw.ReadStrengths, raw.WriteKeys, raw.WriteStrengths, raw.EraseVectors, raw.WriteVectors, raw.FreeGate,
            raw.AllocationGate, raw.WriteGate, raw.ReadMode];
        for (int i = 0; i < parts.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(parts[i], AccessInterface.PartNames[i]);
            if (parts[i].Rank != partShapes[i].Length + 1 || parts[i].Dim(0) != batch || !parts[i].Shape[1..].SequenceEqual(partShapes[i]))
                throw new ShapeMismatchException(Path, AccessInterface.PartNames[i], [batch, .. partShapes[i]], parts[i].Shape);
        }
        Require("usage", state.Usage, [batch, MemorySize]);
        Require("read weights", state.ReadWeights, [batch, NumReads, MemorySize]);
        Require("write weights", state.WriteWeights, [batch, NumWrites, MemorySize]);
        Require("link", state.Linkage.Link, [batch, NumWrites, MemorySize, MemorySize]);
        Require("precedence weights", state.Linkage.PrecedenceWeights, [batch, NumWrites, MemorySize]);
    }

    private void Require(string what, Tensor tensor, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(tensor, what);
        if (!tensor.Shape.SequenceEqual(shape)) throw new ShapeMismatchException(Path, what, shape, tensor.Shape);
    }

    /// <summary>
    /// M ⊙ Π_W(1 − w_wᵀ e_w) + Σ_W w_wᵀ v_w: memory [B, N, Wd], weights [B, W, N], erase vectors (after sigmoid) and values
    /// [B, W, Wd] → [B, N, Wd]. One fused op with a hand-written backward to all four inputs.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    public static Tensor EraseAndWrite(Tensor memory, Tensor writeWeights, Tensor eraseVectors, Tensor writeVectors)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(writeWeights);
        ArgumentNullException.ThrowIfNull(eraseVectors);
        ArgumentNullException.ThrowIfNull(writeVectors);
        if (memory.Rank != 3 || writeWeights.Rank != 3 || writeWeights.Dim(0) != memory.Dim(0) || writeWeights.Dim(2) != memory.Dim(1))
            throw new ShapeMismatchException("EraseAndWrite", memory.Shape, writeWeights.Shape, "must be memory [B, N, Wd] and write weights [B, W, N]");
        int[] vectorShape = [memory.Dim(0), writeWeights.Dim(1), memory.Dim(2)];
        if (!eraseVectors.Shape.SequenceEqual(vectorShape))
            throw new ShapeMismatchException("EraseAndWrite", "erase vectors", vectorShape, eraseVectors.Shape, " ([B, W, Wd])");
        if (!writeVectors.Shape.SequenceEqual(vectorShape))
            throw new ShapeMismatchException("EraseAndWrite", "write vectors", vectorShape, writeVectors.Shape, " ([B, W, Wd])");
        return Kernels.EraseAndWriteKernel.Compute(memory, writeWeights, eraseVectors, writeVectors);
    }

    /// <summary>All-zero memory, weights, link, precedence and usage for a batch of <paramref name="batchSize"/>.</summary>
    public AccessState InitialState(int batchSize) => new(
        Tensor.Allocate(batchSize, MemorySize, WordSize),
        Tensor.Allocate(batchSize, NumReads, MemorySize),
        Tensor.Allocate(batchSize, NumWrites, MemorySize),
        linkage.InitialState(batchSize),
        freeness.InitialState(batchSize).Usage);

    /// <summary>Zero read words [B, R, Wd].</summary>
    public Tensor InitialReadWords(int batchSize) => Tensor.Allocate(batchSize, NumReads, WordSize);
}
