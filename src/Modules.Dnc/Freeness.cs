using Modules.Dnc.Addressing;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Memory usage and allocation as a module (DeepMind's <c>Freeness</c>): its state is the usage u [B, N].
/// No parameters.
/// </summary>
[Module]
public sealed partial class Freeness : Module
{
    /// <summary>Creates the module for <paramref name="memorySize"/> cells.</summary>
    public Freeness(int memorySize, string? name = null) : base(name) => MemorySize = memorySize;

    /// <summary>N, the number of memory cells.</summary>
    public int MemorySize { get; }

    /// <summary>
    /// The usage after the previous step's writes (through a stop-gradient) and this step's frees:
    /// write weights [B, W, N], free gate [B, R] (after sigmoid), read weights [B, R, N], usage [B, N] → [B, N].
    /// </summary>
    public Tensor Step(Tensor writeWeights, Tensor freeGate, Tensor readWeights, Tensor previousUsage) =>
        Usage.Update(previousUsage, writeWeights, freeGate, readWeights);

    /// <summary>Allocation weights of W write heads: usage [B, N], gates g^a·g^w [B, W] → [B, W, N].</summary>
    public Tensor WriteAllocationWeights(Tensor usage, Tensor writeGates) => Allocation.WriteWeights(usage, writeGates);

    /// <summary>Zero usage [B, N].</summary>
    public Tensor InitialState(int batchSize) => Tensor.Zeros(batchSize, MemorySize);
}
