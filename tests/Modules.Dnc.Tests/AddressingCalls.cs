using Modules.Dnc.Tests.Kernels;
using Modules.Tensors;

namespace Modules.Dnc.Tests;

// The addressing maths in functional form, for the tests written that way: each call goes through the module that runs
// it in the library (ContentAddressing, Freeness, TemporalLinkage); the pieces the library only runs fused inside a module
// (usage after write or after read, precedence, directional reads) are the unfused reference compositions.

/// <summary>Content weights through <see cref="ContentAddressing"/>.</summary>
internal static class CosineWeights
{
    public const float Epsilon = ContentAddressing.Epsilon;

    public static Tensor Compute(Tensor memory, Tensor keys, Tensor strengths) => new ContentAddressing().Forward(memory, keys, strengths);
}

/// <summary>Allocation and write weights through <see cref="Freeness"/>.</summary>
internal static class Allocation
{
    public const float Epsilon = Freeness.AllocationEpsilon;

    /// <summary>One head's allocation weights: usage [B, N] → [B, N].</summary>
    public static Tensor Weights(Tensor usage) =>
        new Freeness(usage.Dim(1)).WriteAllocationWeights(usage, Tensor.Ones(usage.Dim(0), 1)).Reshape(usage.Dim(0), usage.Dim(1));

    public static Tensor WriteWeights(Tensor usage, Tensor writeGates) =>
        new Freeness(usage.Dim(1), 1, Math.Max(writeGates.Rank == 2 ? writeGates.Dim(1) : 1, 1)).WriteAllocationWeights(usage, writeGates);

    public static Tensor GatedWriteWeights(Tensor usage, Tensor writeContent, Tensor allocationGate, Tensor writeGate) =>
        new Freeness(Math.Max(usage.Dim(-1), 1)).WriteWeights(usage, writeContent, allocationGate, writeGate);
}

/// <summary>The usage update through <see cref="Freeness"/>; its two halves as the unfused reference.</summary>
internal static class Usage
{
    public static Tensor Update(Tensor previousUsage, Tensor writeWeights, Tensor freeGate, Tensor readWeights) =>
        new Freeness(Math.Max(previousUsage.Dim(-1), 1)).Step(writeWeights, freeGate, readWeights, previousUsage);

    /// <summary>u + (1 − u)·(1 − Π_W(1 − w)).</summary>
    public static Tensor AfterWrite(Tensor usage, Tensor writeWeights) => usage + (1f - usage) * (1f - (1f - writeWeights).Prod(1));

    /// <summary>u · Π_R(1 − f_r·w_r).</summary>
    public static Tensor AfterRead(Tensor usage, Tensor freeGate, Tensor readWeights) => usage * (1f - freeGate.Unsqueeze(-1) * readWeights).Prod(1);
}

/// <summary>The link update through <see cref="TemporalLinkage"/>; precedence alone and directional reads as the unfused reference.</summary>
internal static class Linkage
{
    public static (Tensor Link, Tensor Precedence) Update(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights)
    {
        var (_, state) = new TemporalLinkage(writeWeights.Dim(2), writeWeights.Dim(1)).Step(writeWeights, new LinkageState(previousLink, previousPrecedence));
        return (state.Link, state.PrecedenceWeights);
    }

    public static Tensor Link(Tensor previousLink, Tensor previousPrecedence, Tensor writeWeights) => Update(previousLink, previousPrecedence, writeWeights).Link;

    public static Tensor Precedence(Tensor previousPrecedence, Tensor writeWeights) => UnfusedLinkage.Precedence(previousPrecedence, writeWeights);

    public static Tensor DirectionalReadWeights(Tensor link, Tensor previousReadWeights, bool forward) =>
        UnfusedLinkage.DirectionalReadWeights(link, previousReadWeights, forward);
}
