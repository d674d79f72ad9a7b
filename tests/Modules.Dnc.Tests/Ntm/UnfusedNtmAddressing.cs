using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

/// <summary>
/// The op-by-op composition of the NTM's addressing that <see cref="NtmAddressing.Address"/>'s fused op replaced (content
/// weights, then interpolation, shift and sharpening as separate ops, each with its own backward), kept verbatim as the
/// reference the fused op is compared with (forward values and gradients).
/// </summary>
public static class UnfusedNtmAddressing
{
    /// <summary>The number of allowed shifts, {−1, 0, +1}.</summary>
    public const int ShiftCount = NtmAddressing.ShiftCount;

    /// <summary>
    /// The whole pipeline from the heads' raw (pre-activation) parameters:
    /// <c>Sharpen(Shift(Interpolate(Content(M, k, β), w_prev, σ(g)), softmax(s)), 1 + softplus(γ))</c>.
    /// </summary>
    /// <param name="memory">M, [B, N, Wd].</param>
    /// <param name="previousWeights">w_{t−1}, [B, H, N].</param>
    /// <param name="head">The heads' raw parameters: keys [B, H, Wd], strengths, gates and sharpening [B, H], shifts [B, H, 3].</param>
    /// <returns>The new weights, [B, H, N].</returns>
    public static Tensor Address(Tensor memory, Tensor previousWeights, NtmHeadInterface head)
    {
        var content = CosineWeights.Compute(memory, head.Keys, head.Strengths);
        var gated = Interpolate(content, previousWeights, Tensor.Sigmoid(head.Gates));
        var shifted = Shift(gated, Tensor.Softmax(head.Shifts, -1));
        return Sharpen(shifted, Tensor.Softplus(head.Sharpening) + 1f);
    }

    /// <summary>Interpolation: <c>w_g = g · w_c + (1 − g) · w_prev</c>.</summary>
    /// <param name="content">w_c, [B, H, N].</param>
    /// <param name="previous">w_prev, [B, H, N].</param>
    /// <param name="gates">g in [0, 1] (after the sigmoid), [B, H].</param>
    /// <returns>[B, H, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes disagree.</exception>
    public static Tensor Interpolate(Tensor content, Tensor previous, Tensor gates)
    {
        RequireWeights("NtmAddressing.Interpolate", content);
        if (!previous.Shape.SequenceEqual(content.Shape))
            throw new ShapeMismatchException("NtmAddressing.Interpolate", content.Shape, previous.Shape, "content and previous weights must have the same shape [B, H, N]");
        RequireHeads("NtmAddressing.Interpolate", content, gates, "gates");
        var g = gates.Unsqueeze(-1);
        return g * content + (1f - g) * previous;
    }

    /// <summary>
    /// Circular shift convolution over {−1, 0, +1}: <c>w̃(i) = s₋₁·w(i+1) + s₀·w(i) + s₊₁·w(i−1)</c>, indices modulo N.
    /// Shift +1 moves the focus one row up (from row i to row i + 1, and from N − 1 to 0); −1 moves it down.
    /// </summary>
    /// <param name="weights">w, [B, H, N].</param>
    /// <param name="shifts">Shift weights (after the softmax), [B, H, 3], ordered (s₋₁, s₀, s₊₁).</param>
    /// <returns>[B, H, N].</returns>
    /// <exception cref="ShapeMismatchException">The shapes disagree.</exception>
    public static Tensor Shift(Tensor weights, Tensor shifts)
    {
        const string op = "NtmAddressing.Shift";
        RequireWeights(op, weights);
        if (shifts.Rank != 3 || shifts.Dim(0) != weights.Dim(0) || shifts.Dim(1) != weights.Dim(1) || shifts.Dim(2) != ShiftCount)
            throw new ShapeMismatchException(op, weights.Shape, shifts.Shape, $"shifts must be [{weights.Dim(0)}, {weights.Dim(1)}, {ShiftCount}]");
        int rows = weights.Dim(0) * weights.Dim(1), n = weights.Dim(2);
        var output = Tensor.Zeros(weights.ShapeArray());
        {
            var w = weights.Values; var s = shifts.Values; var o = output.Data;
            for (int r = 0; r < rows; r++)
            {
                int b = r * n;
                float down = s[3 * r], stay = s[3 * r + 1], up = s[3 * r + 2];
                for (int i = 0; i < n; i++)
                    o[b + i] = down * w[b + (i + 1) % n] + stay * w[b + i] + up * w[b + (i + n - 1) % n];
            }
        }
        return Tensor.Custom(op, output, [weights, shifts], g =>
        {
            var gv = g.Values; var w = weights.Values; var s = shifts.Values;
            Tensor? dWeights = null, dShifts = null;
            if (weights.RequiresGrad)
            {
                dWeights = Tensor.Zeros(weights.ShapeArray());
                var d = dWeights.Data;
                for (int r = 0; r < rows; r++)
                {
                    int b = r * n;
                    float down = s[3 * r], stay = s[3 * r + 1], up = s[3 * r + 2];
                    // w(j) fed o(j − 1) through s₋₁, o(j) through s₀ and o(j + 1) through s₊₁.
                    for (int j = 0; j < n; j++)
                        d[b + j] = down * gv[b + (j + n - 1) % n] + stay * gv[b + j] + up * gv[b + (j + 1) % n];
                }
            }
            if (shifts.RequiresGrad)
            {
                dShifts = Tensor.Zeros(shifts.ShapeArray());
                var d = dShifts.Data;
                for (int r = 0; r < rows; r++)
                {
                    int b = r * n;
                    double down = 0, stay = 0, up = 0;
                    for (int i = 0; i < n; i++)
                    {
                        down += gv[b + i] * w[b + (i + 1) % n];
                        stay += gv[b + i] * w[b + i];
                        up += gv[b + i] * w[b + (i + n - 1) % n];
                    }
                    d[3 * r] = (float)down; d[3 * r + 1] = (float)stay; d[3 * r + 2] = (float)up;
                }
            }
            return [dWeights, dShifts];
        });
    }

    /// <summary>
    /// Sharpening: <c>w(i)^γ / Σ_j w(j)^γ</c>. Computed on <c>w / max(w)</c> (the same value) so large γ cannot underflow
    /// the sum; zero weights stay zero and contribute no gradient to γ. A row that is all zeros stays all zeros.
    /// </summary>
    /// <param name="weights">w ≥ 0, [B, H, N].</param>
    /// <param name="gammas">γ ≥ 1 (after <c>1 + softplus</c>), [B, H].</param>
    /// <returns>[B, H, N]; rows sum to 1.</returns>
    /// <exception cref="ShapeMismatchException">The shapes disagree.</exception>
    public static Tensor Sharpen(Tensor weights, Tensor gammas)
    {
        const string op = "NtmAddressing.Sharpen";
        RequireWeights(op, weights);
        RequireHeads(op, weights, gammas, "gammas");
        int rows = weights.Dim(0) * weights.Dim(1), n = weights.Dim(2);
        var output = Tensor.Zeros(weights.ShapeArray());
        var maxima = new float[rows];
        {
            var w = weights.Values; var y = gammas.Values; var o = output.Data;
            for (int r = 0; r < rows; r++)
            {
                int b = r * n;
                float max = 0f;
                for (int i = 0; i < n; i++) max = MathF.Max(max, w[b + i]);
                maxima[r] = max;
                if (!(max > 0f)) continue;
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    float p = MathF.Pow(MathF.Max(w[b + i], 0f) / max, y[r]);
                    o[b + i] = p;
                    sum += p;
                }
                float inverse = (float)(1.0 / sum);
                for (int i = 0; i < n; i++) o[b + i] *= inverse;
            }
        }
        return Tensor.Custom(op, output, [weights, gammas], g =>
        {
            var gv = g.Values; var w = weights.Values; var y = gammas.Values; var o = output.Values;
            Tensor? dWeights = weights.RequiresGrad ? Tensor.Zeros(weights.ShapeArray()) : null;
            Tensor? dGammas = gammas.RequiresGrad ? Tensor.Zeros(gammas.ShapeArray()) : null;
            for (int r = 0; r < rows; r++)
            {
                float max = maxima[r];
                if (!(max > 0f)) continue;
                int b = r * n;
                double dot = 0, meanLog = 0;
                for (int i = 0; i < n; i++)
                {
                    dot += gv[b + i] * o[b + i];
                    if (o[b + i] > 0f) meanLog += o[b + i] * Math.Log(w[b + i] / max);
                }
                if (dWeights is not null)
                {
                    // ∂L/∂w_j = γ · (o_j / w_j) · (g_j − Σ_i g_i o_i), with o_j / w_j = u_j^(γ−1) / (max · Σ u^γ), u = w / max.
                    var d = dWeights.Data;
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += Math.Pow(Math.Max(w[b + i], 0f) / max, y[r]);
                    for (int j = 0; j < n; j++)
                    {
                        double u = Math.Max(w[b + j], 0f) / max;
                        double ratio = Math.Pow(u, y[r] - 1.0) / (max * sum);
                        d[b + j] = (float)(y[r] * ratio * (gv[b + j] - dot));
                    }
                }
                if (dGammas is not null)
                {
                    // ∂L/∂γ = Σ_i g_i o_i (log w_i − Σ_k o_k log w_k); the log of max cancels.
                    double dy = 0;
                    for (int i = 0; i < n; i++)
                        if (o[b + i] > 0f) dy += gv[b + i] * o[b + i] * (Math.Log(w[b + i] / max) - meanLog);
                    dGammas.Data[r] = (float)dy;
                }
            }
            return [dWeights, dGammas];
        });
    }

    private static void RequireWeights(string op, Tensor weights)
    {
        if (weights.Rank != 3)
            throw new ShapeMismatchException(op, "weights", [-1, -1, -1], weights.Shape, " ([B, H, N])");
    }

    private static void RequireHeads(string op, Tensor weights, Tensor perHead, string what)
    {
        if (perHead.Rank != 2 || perHead.Dim(0) != weights.Dim(0) || perHead.Dim(1) != weights.Dim(1))
            throw new ShapeMismatchException(op, weights.Shape, perHead.Shape, $"{what} must be [{weights.Dim(0)}, {weights.Dim(1)}]");
    }
}
