using Modules.Tensors;
using Modules.Tensors.Tests;

namespace Modules.Tests.Layers;

public class LstmCellTests
{
    /// <summary>
    /// The composition <see cref="LstmCell.Apply"/> replaces, op by op as Sonnet 1 writes it: gates from the
    /// concatenated [x, h], split i, j, f, o; c' = σ(f + forget bias)·c + σ(i)·tanh(j); h' = σ(o)·tanh(c').
    /// </summary>
    private static Tensor[] Unfused(Tensor x, Tensor h, Tensor c, Tensor w, Tensor b, float forgetBias)
    {
        int units = h.Dim(1);
        var gates = Tensor.Concat(1, x, h).MatMul(w) + b;
        var parts = gates.Split(1, units, units, units, units);
        var cell = Tensor.Sigmoid(parts[2] + forgetBias) * c + Tensor.Sigmoid(parts[0]) * Tensor.Tanh(parts[1]);
        var hidden = Tensor.Sigmoid(parts[3]) * Tensor.Tanh(cell);
        return [hidden, cell];
    }

    private static Tensor[] Fused(Tensor[] t, float forgetBias = 1f)
    {
        var (hidden, cell) = LstmCell.Apply(t[0], t[1], t[2], t[3], t[4], forgetBias);
        return [hidden, cell];
    }

    /// <summary>x [B, 2], h and c [B, 3], w_gates [5, 12], b_gates [12].</summary>
    private static Tensor[] Inputs(ulong seed, int batch) =>
        FusedOpChecks.RandomInputs(seed, [batch, 2], [batch, 3], [batch, 3], [5, 12], [12]);

    [Fact]
    public void MatchesTheUnfusedCompositionInValuesAndGradients()
    {
        FusedOpChecks.AssertSameAsReference(t => Fused(t), t => Unfused(t[0], t[1], t[2], t[3], t[4], 1f), Inputs(1, batch: 4));
        FusedOpChecks.AssertSameAsReference(t => Fused(t, 0.3f), t => Unfused(t[0], t[1], t[2], t[3], t[4], 0.3f), Inputs(2, batch: 1));
    }

    [Fact]
    public void MatchesTheCompositionWhenOnlyTheHiddenOutputIsUsed()
    {
        FusedOpChecks.AssertSameAsReference(t => [Fused(t)[0]], t => [Unfused(t[0], t[1], t[2], t[3], t[4], 1f)[0]], Inputs(3, batch: 3));
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        GradCheck.Assert(t => Tensor.Concat(1, Fused(t)), Inputs(4, batch: 3));
        GradCheck.Assert(t => Fused(t)[1], Inputs(5, batch: 2));
    }

    [Fact]
    public void RejectsMismatchedShapesNamingThem()
    {
        var t = Inputs(6, batch: 2);
        var e = Assert.Throws<ShapeMismatchException>(() => LstmCell.Apply(t[0], t[1], t[2], Tensor.Zeros(4, 12), t[4], 1f));
        Assert.Contains("LstmCell", e.Message);
        Assert.Contains("[5, 12]", e.Message);
        Assert.Throws<ShapeMismatchException>(() => LstmCell.Apply(t[0], t[1], Tensor.Zeros(2, 4), t[3], t[4], 1f));
    }

    [Theory]
    [InlineData(0.3f)]
    [InlineData(1.5f)]
    public void ClipMatchesClampingBothOutputsOfTheComposition(float clip)
    {
        var inputs = Inputs(7, batch: 4);
        inputs[2] = inputs[2] * 3f;   // cells beyond ±1.5, so both clips cut some values and pass others
        FusedOpChecks.AssertSameAsReference(
            t =>
            {
                var (hidden, cell) = LstmCell.Apply(t[0], t[1], t[2], t[3], t[4], 1f, clip);
                return [hidden, cell];
            },
            t => Unfused(t[0], t[1], t[2], t[3], t[4], 1f).Select(o => Tensor.Clamp(o, -clip, clip)).ToArray(),
            inputs);
        var raw = Unfused(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], 1f);
        Assert.Contains(raw[1].ToArray(), v => Math.Abs(v) > clip);
        Assert.Contains(raw[1].ToArray(), v => Math.Abs(v) < clip);
    }
}
