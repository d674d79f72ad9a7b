using Modules.Dnc.Access;
using Modules.Dnc.Addressing;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The temporal link matrix as a recurrent core: each step takes the write weights [B, W, N] and updates the
/// link [B, W, N, N] (diagonal 0) and the precedence weights [B, W, N]; the step's output is the new link.
/// Directional reads follow the links forward (order of writing) or backward.
/// </summary>
[Module]
public sealed partial class TemporalLinkage : Module, IRnnCore<LinkageState>
{
    /// <summary>Creates the core for <paramref name="memorySize"/> cells and <paramref name="numWrites"/> write heads.</summary>
    public TemporalLinkage(int memorySize, int numWrites, string? name = null) : base(name)
    {
        MemorySize = memorySize;
        NumWrites = numWrites;
    }

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; }

    /// <summary>W, the number of write heads (one link matrix each).</summary>
    public int NumWrites { get; }

    /// <summary>Write weights [B, W, N] and the previous state → link [B, W, N, N] and the new state.</summary>
    public (Tensor Output, LinkageState State) Step(Tensor writeWeights, LinkageState state)
    {
        RequireShape(writeWeights, "write weights", writeWeights.Dim(0), NumWrites, MemorySize);
        var (link, precedence) = Linkage.Update(state.Link, state.PrecedenceWeights, writeWeights);
        return (link, new LinkageState(link, precedence));
    }

    /// <summary>Link [B, W, N, N] and previous read weights [B, R, N] → [B, R, W, N] (forward f or backward b).</summary>
    public Tensor DirectionalReadWeights(Tensor link, Tensor previousReadWeights, bool forward) =>
        Linkage.DirectionalReadWeights(link, previousReadWeights, forward);

    /// <summary>Zero link [B, W, N, N] and zero precedence [B, W, N].</summary>
    public LinkageState InitialState(int batchSize) =>
        new(Tensor.Zeros(batchSize, NumWrites, MemorySize, MemorySize), Tensor.Zeros(batchSize, NumWrites, MemorySize));

    private void RequireShape(Tensor t, string what, params int[] expected)
    {
        if (!t.Shape.SequenceEqual(expected))
            throw new ShapeMismatchException($"{Path}: {what} must be [{string.Join(", ", expected)}], got [{string.Join(", ", t.ShapeArray())}]");
    }
}
