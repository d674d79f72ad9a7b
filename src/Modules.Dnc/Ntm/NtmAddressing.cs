using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The NTM's addressing pipeline (Graves et al. 2014, §3.3) over H heads at once: content weights → interpolation with
/// the previous weights by the gate g → circular shift over {−1, 0, +1} → sharpening by γ. Weights are [B, H, N] with
/// rows summing to 1.
/// </summary>
public static class NtmAddressing
{
    /// <summary>The number of allowed shifts, {−1, 0, +1}.</summary>
    public const int ShiftCount = 3;

    /// <summary>
    /// The whole pipeline from the heads' raw (pre-activation) parameters, as one fused op with a hand-written backward:
    /// <c>w_c = Content(M, k, β)</c>; <c>w_g = σ(g)·w_c + (1 − σ(g))·w_prev</c>; the circular shift
    /// <c>w̃(i) = s₋₁·w_g(i+1) + s₀·w_g(i) + s₊₁·w_g(i−1)</c> (indices modulo N) with <c>s = softmax(ŝ)</c>, so shift +1 moves
    /// the focus from row i to row i + 1; and sharpening <c>w(i) = w̃(i)^γ / Σ_j w̃(j)^γ</c> with <c>γ = 1 + softplus(γ̂)</c>,
    /// computed on <c>w̃ / max(w̃)</c> so a large γ cannot underflow the sum (a row that is all zeros stays all zeros).
    /// </summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="previousWeights">w_{t−1}, [B, H, N].</param>
    /// <param name="head">The heads' raw parameters: keys [B, H, Wd], strengths, gates and sharpening [B, H], shifts [B, H, 3] ordered (−1, 0, +1).</param>
    /// <returns>The new weights, [B, H, N].</returns>
    /// <exception cref="ShapeMismatchException">A shape disagrees; the message names the part and both shapes.</exception>
    public static Tensor Address(Tensor memory, Tensor previousWeights, NtmHeadInterface head)
    {
        const string op = "NtmAddressing.Address";
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(previousWeights);
        if (memory.Rank != 3) throw new ShapeMismatchException(op, "memory", [-1, -1, -1], memory.Shape, " ([B, N, Wd])");
        int batch = memory.Dim(0), cells = memory.Dim(1), width = memory.Dim(2);
        if (previousWeights.Rank != 3 || previousWeights.Dim(0) != batch || previousWeights.Dim(2) != cells)
            throw new ShapeMismatchException(op, "previous weights", [batch, -1, cells], previousWeights.Shape, " ([B, H, N] for memory [B, N, Wd])");
        int heads = previousWeights.Dim(1);
        Require(op, head.Keys, "keys", [batch, heads, width]);
        Require(op, head.Strengths, "strengths", [batch, heads]);
        Require(op, head.Gates, "gates", [batch, heads]);
        Require(op, head.Shifts, "shifts", [batch, heads, ShiftCount]);
        Require(op, head.Sharpening, "sharpening", [batch, heads]);
        return NtmAddressingKernel.Compute(memory, previousWeights, head);
    }

    /// <summary>
    /// Content weights: softmax over the N rows of <c>softplus(β) · cos(k, M_i)</c>, with the DNC's ε-guarded cosine
    /// (<see cref="ContentAddressing.Forward"/>), so a memory of equal rows gives uniform weights rather than NaN.
    /// </summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="keys">k, [B, H, Wd].</param>
    /// <param name="strengths">β before softplus, [B, H].</param>
    /// <returns>[B, H, N].</returns>
    public static Tensor Content(Tensor memory, Tensor keys, Tensor strengths) => ContentAddressing.Weights("NtmAddressing.Content", memory, keys, strengths);

    private static void Require(string op, Tensor? part, string name, int[] expected)
    {
        if (part is null) throw new ArgumentNullException(nameof(part), $"{op}: the heads' {name} is null");
        if (!part.Shape.SequenceEqual(expected))
            throw new ShapeMismatchException(op, $"the heads' {name}", expected, part.Shape);
    }
}
