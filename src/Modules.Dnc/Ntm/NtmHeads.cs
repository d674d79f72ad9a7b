using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// A set of H NTM heads of one kind (read or write): one linear layer per interface part maps the controller output
/// [B, H_c] to the raw addressing parameters (<c>keys</c>, <c>strengths</c>, <c>gates</c>, <c>shifts</c>,
/// <c>sharpening</c>, see <see cref="NtmHeadInterface"/>) and, for write heads, to <c>erase_vectors</c> and
/// <c>add_vectors</c> (<see cref="NtmWriteInterface"/>). Parameters: <c>&lt;name&gt;/&lt;part&gt;/{w,b}</c>. Each group of
/// parts is evaluated as one matrix product over the parts' weights side by side (<see cref="Affine.ApplyHeads"/>).
/// </summary>
[Module]
public sealed partial class NtmHeads : Module
{
    private readonly Linear[] addressing;
    private readonly Linear[] writing;

    /// <summary>Creates <paramref name="numHeads"/> heads over words of <paramref name="wordSize"/>.</summary>
    /// <param name="numHeads">H, positive.</param>
    /// <param name="wordSize">Wd, positive.</param>
    /// <param name="writesMemory">Whether these are write heads (with erase and add vectors).</param>
    /// <param name="name">The module's name; by default <c>ntm_heads</c> (the core names them <c>read_heads</c> and <c>write_heads</c>).</param>
    public NtmHeads(int numHeads, int wordSize, bool writesMemory, string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wordSize);
        NumHeads = numHeads;
        WordSize = wordSize;
        WritesMemory = writesMemory;
        addressing = Linears(NtmHeadInterface.PartSizes(numHeads, wordSize), NtmHeadInterface.PartNames);
        writing = writesMemory ? Linears(NtmWriteInterface.PartSizes(numHeads, wordSize), NtmWriteInterface.PartNames) : [];
    }

    /// <summary>H, the number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Wd, the word size.</summary>
    public int WordSize { get; }

    /// <summary>Whether these heads write (and so also emit erase and add vectors).</summary>
    public bool WritesMemory { get; }

    /// <summary>
    /// The heads' new weights: the controller output [B, H_c] gives the raw parameters, and
    /// <see cref="NtmAddressing.Address"/> turns them, <paramref name="memory"/> [B, N, Wd] and
    /// <paramref name="previousWeights"/> [B, H, N] into weights [B, H, N].
    /// </summary>
    /// <exception cref="ShapeMismatchException">A shape is wrong; the message names this module's path.</exception>
    public Tensor Address(Tensor controllerOutput, Tensor memory, Tensor previousWeights)
    {
        RequireInput(controllerOutput);
        int batch = controllerOutput.Dim(0);
        if (memory.Rank != 3 || memory.Dim(0) != batch || memory.Dim(2) != WordSize)
            throw new ShapeMismatchException(Path, "memory", [batch, -1, WordSize], memory.Shape, " ([B, N, Wd])");
        if (previousWeights.Rank != 3 || previousWeights.Dim(0) != batch || previousWeights.Dim(1) != NumHeads || previousWeights.Dim(2) != memory.Dim(1))
            throw new ShapeMismatchException(Path, "previous weights", [batch, NumHeads, memory.Dim(1)], previousWeights.Shape);
        var raw = NtmHeadInterface.FromParts(Apply(addressing, controllerOutput), NumHeads, WordSize);
        return NtmAddressing.Address(memory, previousWeights, raw);
    }

    /// <summary>The write heads' erase vectors (after the sigmoid) and add vectors, [B, H, Wd] each.</summary>
    /// <exception cref="InvalidOperationException">These are read heads.</exception>
    public (Tensor Erase, Tensor Add) EraseAndAdd(Tensor controllerOutput)
    {
        if (!WritesMemory) throw new InvalidOperationException($"{Path}: read heads have no erase and add vectors");
        RequireInput(controllerOutput);
        var raw = NtmWriteInterface.FromParts(Apply(writing, controllerOutput), NumHeads, WordSize);
        return (Tensor.Sigmoid(raw.EraseVectors), raw.AddVectors);
    }

    /// <summary>
    /// Connects this group's parts to an input of <paramref name="inputSize"/> features and appends their weights, biases
    /// and output shapes (per item: keys [H, Wd], strengths, gates [H], shifts [H, 3], sharpening [H], then for write heads
    /// erase and add vectors [H, Wd]), so a core can evaluate several groups as one product (<see cref="Affine.ApplyHeads"/>).
    /// </summary>
    internal void AppendParts(int inputSize, List<Tensor> weights, List<Tensor> biases, List<int[]> shapes)
    {
        int[][] partShapes = [[NumHeads, WordSize], [NumHeads], [NumHeads], [NumHeads, NtmAddressing.ShiftCount], [NumHeads], [NumHeads, WordSize], [NumHeads, WordSize]];
        Linear[] layers = [.. addressing, .. writing];
        for (int i = 0; i < layers.Length; i++)
        {
            var (w, b) = layers[i].Connect(inputSize);
            weights.Add(w);
            biases.Add(b);
            shapes.Add(partShapes[i]);
        }
    }

    private static Linear[] Linears(int[] sizes, IReadOnlyList<string> names)
    {
        var layers = new Linear[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) layers[i] = new Linear(sizes[i], names[i]);
        return layers;
    }

    /// <summary>All of a group's linear parts on the controller output [B, H_c] in one op, each [B, out_k] (FromParts shapes them).</summary>
    private static Tensor[] Apply(Linear[] layers, Tensor input)
    {
        var weights = new Tensor[layers.Length];
        var biases = new Tensor[layers.Length];
        var shapes = new int[layers.Length][];
        for (int i = 0; i < layers.Length; i++)
        {
            (weights[i], biases[i]) = layers[i].Connect(input.Dim(1));
            shapes[i] = [layers[i].OutputSize];
        }
        return Affine.ApplyHeads(input, weights, biases, shapes);
    }

    private void RequireInput(Tensor controllerOutput)
    {
        ArgumentNullException.ThrowIfNull(controllerOutput);
        if (controllerOutput.Rank != 2)
            throw new ShapeMismatchException(Path, "controller output", [-1, -1], controllerOutput.Shape, " ([B, H])");
    }
}
