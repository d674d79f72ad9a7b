using Modules.Tensors;

namespace Modules;

/// <summary>
/// A fully connected layer, <c>y = x·w + b</c>, in Sonnet's layout: <c>w</c> is <c>[in, out]</c> (truncated normal,
/// standard deviation 1/√in), <c>b</c> is <c>[out]</c> (zeros). Both are created on the first call from the input's last
/// dimension and shared by every later call; a later input with another last dimension is rejected.
/// </summary>
[Module]
public sealed partial class Linear : Module, IModule<Tensor, Tensor>
{
    [Param] private Tensor? w;
    [Param] private Tensor? b;

    /// <summary>Creates an unconnected layer producing <paramref name="outputSize"/> features.</summary>
    /// <param name="outputSize">The number of output features; positive.</param>
    /// <param name="name">The module's name; by default <c>linear</c> (<c>linear_1</c>, … among siblings).</param>
    public Linear(int outputSize, string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        OutputSize = outputSize;
    }

    /// <summary>The number of output features.</summary>
    public int OutputSize { get; }

    /// <summary>The number of input features, once connected; otherwise null.</summary>
    public int? InputSize => w?.Dim(0);

    /// <summary>
    /// The parameters <c>w</c> <c>[in, out]</c> and <c>b</c> <c>[out]</c>, created for <paramref name="inputSize"/> inputs
    /// exactly as the first <see cref="Forward"/> would create them when the layer is not connected yet. For kernels that
    /// apply several layers at once (see <see cref="Affine.ApplyHeads"/>).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The layer is connected with another input size.</exception>
    public (Tensor W, Tensor B) Connect(int inputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputSize);
        if (w is not null && w.Dim(0) != inputSize)
            throw new ShapeMismatchException(Path, "w", [inputSize, OutputSize], w.Shape, $" (asked for {inputSize} inputs; connected earlier for {w.Dim(0)})");
        // Connected: every time step of a recurrent core lands here, so no shape array or initializer is made for the lookup.
        if (w is { Rank: 2 } cw && cw.Dim(1) == OutputSize && b is { Rank: 1 } cb && cb.Dim(0) == OutputSize) return (cw, cb);
        return Create(inputSize);
    }

    // Apart from Connect, whose fast path would otherwise allocate the initializer's closure on every call.
    private (Tensor W, Tensor B) Create(int inputSize)
    {
        var weights = GetW([inputSize, OutputSize], s => Tensor.TruncatedNormal(Rng, s, 0f, 1f / MathF.Sqrt(inputSize)));
        var bias = GetB([OutputSize], Tensor.Zeros);
        return (weights, bias);
    }

    /// <summary>Applies the layer to <paramref name="x"/> <c>[..., in]</c> (at least one dimension); returns <c>[..., out]</c>.</summary>
    /// <exception cref="ShapeMismatchException">The layer is connected and <paramref name="x"/>'s last dimension differs from its input size.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0) throw new ShapeMismatchException(Path, "input", [-1], x.Shape, " (at least one dimension, [..., in])");
        int inputSize = x.Dim(-1);
        if (w is not null && w.Dim(0) != inputSize)
        {
            var expected = x.ShapeArray();
            expected[^1] = w.Dim(0);
            throw new ShapeMismatchException(Path, "input", expected, x.Shape, $" (last dimension {w.Dim(0)})");
        }
        var (weights, bias) = Connect(inputSize);
        if (x.Rank == 1) return Affine.Apply(x.Reshape(1, inputSize), weights, bias).Reshape(OutputSize);
        return Affine.Apply(x, weights, bias);
    }

    /// <summary>
    /// Applies the layer to the concatenation of <paramref name="pieces"/>' rows (each <c>[B, ...]</c>, flattened; their
    /// sizes add up to the input size) and, when <paramref name="clip"/> &gt; 0, limits the result to
    /// <c>[−clip, clip]</c>; returns <c>[B, out]</c>. One op (<see cref="Affine.ApplyConcat"/>) instead of reshapes, a
    /// concatenation, the layer and a clamp; the same parameters as <see cref="Forward"/>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The pieces do not fit the layer's input size.</exception>
    public Tensor ForwardConcat(IReadOnlyList<Tensor> pieces, float clip = 0f)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        int inputSize = 0;
        for (int k = 0; k < pieces.Count; k++)   // by index: a foreach over the interface would allocate an enumerator per call
        {
            var piece = pieces[k];
            ArgumentNullException.ThrowIfNull(piece);
            if (piece.Rank == 0) throw new ShapeMismatchException(Path, "each piece", [-1], piece.Shape, " ([B, ...])");
            inputSize += piece.Dim(0) == 0 ? 0 : piece.Size / piece.Dim(0);
        }
        if (w is not null && w.Dim(0) != inputSize)
            throw new ShapeMismatchException(Path, "the pieces' concatenated rows", [pieces[0].Dim(0), w.Dim(0)], [pieces[0].Dim(0), inputSize]);
        var (weights, bias) = Connect(inputSize);
        return Affine.ApplyConcat(pieces, weights, bias, clip);
    }
}
