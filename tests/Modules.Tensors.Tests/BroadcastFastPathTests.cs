using Modules.Tensors;

namespace Modules.Tensors.Tests;

/// <summary>
/// The broadcasting fast paths (same shape, one element, trailing row, column) against the general walk they stand in
/// for, forward and backward, with each operand on either side.
/// </summary>
public class BroadcastFastPathTests
{
    private static Tensor R(ulong seed, int[] shape) => Tensor.Uniform(new Generator(seed), shape, 0.5f, 1.5f);

    /// <summary>Pairs of shapes (left, right) covering every layout, each on both sides, plus general ones.</summary>
    public static TheoryData<string, string> ShapePairs() => new()
    {
        { "2,3,4", "2,3,4" },   // same
        { "2,3,4", "" },        // rank-0 scalar
        { "2,3,4", "1,1" },     // one element with leading ones
        { "2,3,4", "4" },       // trailing row (a bias)
        { "2,3,4", "1,4" },     // trailing row with a leading one
        { "2,3,4", "3,4" },     // trailing block
        { "2,3,4", "2,3,1" },   // column (a per-row factor)
        { "", "2,3,4" },
        { "4", "2,3,4" },
        { "3,4", "2,3,4" },
        { "2,3,1", "2,3,4" },
        { "3,1", "1,4" },       // general: both grow
        { "2,1,4", "2,3,4" },   // general: middle broadcast
        { "2,3,4", "2,1,1" },   // general: one value per outer index
        { "1,3,4", "2,3,1" },   // general: both grow
        { "3,4", "2,1,4" },     // general: result larger than both
    };

    private static int[] Parse(string shape) => shape.Length == 0 ? [] : Array.ConvertAll(shape.Split(','), int.Parse);

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "Add" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        "Div" => a / b,
        "Maximum" => Tensor.Maximum(a, b),
        _ => throw new ArgumentException(op),
    };

    /// <summary>The same op on both operands first expanded to the full shape: the plain element-by-element definition.</summary>
    private static float[] Reference(string op, Tensor a, Tensor b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var full = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a.Dim(i - (rank - a.Rank));
            int db = i < rank - b.Rank ? 1 : b.Dim(i - (rank - b.Rank));
            full[i] = Math.Max(da, db);
        }
        var ea = a.Expand(full).ToArray(); var eb = b.Expand(full).ToArray();
        var result = new float[ea.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = op switch
            {
                "Add" => ea[i] + eb[i],
                "Sub" => ea[i] - eb[i],
                "Mul" => ea[i] * eb[i],
                "Div" => ea[i] / eb[i],
                "Maximum" => MathF.Max(ea[i], eb[i]),
                _ => throw new ArgumentException(op),
            };
        return result;
    }

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void ForwardMatchesTheElementwiseDefinition(string left, string right)
    {
        var a = R(1, Parse(left)); var b = R(2, Parse(right));
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Maximum" })
        {
            var result = Apply(op, a, b);
            Assert.Equal(Reference(op, a, b), result.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void GradientsMatchFiniteDifferences(string left, string right)
    {
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
            GradCheck.Assert(x => Apply(op, x[0], x[1]), [R(3, Parse(left)), R(4, Parse(right))]);
    }

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void GradientsAccumulateWhenAnOperandIsUsedTwice(string left, string right)
    {
        // The second use adds into the gradient buffer the first use created.
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
            GradCheck.Assert(x => Apply(op, Apply(op, x[0], x[1]), x[1]) + Apply(op, x[0], x[1]), [R(5, Parse(left)), R(6, Parse(right))]);
    }

    [Fact]
    public void IncompatibleShapesStillNameBothShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Contains("Add", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);
    }

    [Fact]
    public void SumToUndoesEachLayout()
    {
        var g = Tensor.Arange(24).Reshape(2, 3, 4);
        // Row: sums over the two leading dims.
        Assert.Equal([60f, 66f, 72f, 78f], Broadcasting.SumTo(g, [4]).ToArray());
        // Column: sums each innermost run.
        Assert.Equal([6f, 22f, 38f, 54f, 70f, 86f], Broadcasting.SumTo(g, [2, 3, 1]).ToArray());
        // One element: the total.
        Assert.Equal([276f], Broadcasting.SumTo(g, [1, 1]).ToArray());
        // General: the middle axis.
        Assert.Equal([12f, 15f, 18f, 21f, 48f, 51f, 54f, 57f], Broadcasting.SumTo(g, [2, 1, 4]).ToArray());
    }
}
