namespace Modules.Dnc.Tests.NeuralTuringMachine;

/// <summary>
/// The loops over transposed memory items (<see cref="NtmColumns"/>) against plain scalar loops, and its logarithm against
/// <see cref="Math.Log(double)"/> in double.
/// </summary>
public class NtmColumnsTests
{
    [Theory]
    [InlineData(128, 20)]
    [InlineData(5, 3)]
    [InlineData(17, 9)]
    public void Transpose_MovesEveryElement_AndTwiceGivesTheSource(int rows, int columns)
    {
        var source = Enumerable.Range(0, rows * columns).Select(i => (float)i).ToArray();
        var transposed = new float[rows * columns];
        NtmColumns.Transpose(source, rows, columns, transposed);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) Assert.Equal(source[r * columns + c], transposed[c * rows + r]);
        var back = new float[rows * columns];
        NtmColumns.Transpose(transposed, columns, rows, back);
        Assert.Equal(source, back);
    }

    [Theory]
    [InlineData(20, 128)]
    [InlineData(3, 13)]
    public void SumOfSquares_Combine_AndDots_MatchScalarLoops(int count, int length)
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, count * length).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        var coefficients = Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        var vector = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        var squares = new float[length];
        var combined = Enumerable.Repeat(0.5f, length).ToArray();
        var dots = new float[count];
        NtmColumns.SumOfSquares(rows, count, squares);
        NtmColumns.Combine(rows, coefficients, combined, accumulate: true);
        NtmColumns.Dots(rows, vector, dots);
        for (int n = 0; n < length; n++)
        {
            double square = 0, combination = 0.5;
            for (int r = 0; r < count; r++) { square += rows[r * length + n] * (double)rows[r * length + n]; combination += coefficients[r] * (double)rows[r * length + n]; }
            Assert.Equal(square, squares[n], 1e-5);
            Assert.Equal(combination, combined[n], 1e-5);
        }
        for (int r = 0; r < count; r++)
            Assert.Equal(Enumerable.Range(0, length).Sum(n => rows[r * length + n] * (double)vector[n]), dots[r], 1e-5);
    }

    [Fact]
    public void Log_IsWithinTwoUlpOfTheDoubleLogarithm_FromSubnormalsToOne_AndZeroGivesMinusInfinity()
    {
        // The sharpening takes logarithms of weights relative to their maximum: values in [0, 1], tiny ones included.
        var random = new Random(7);
        var x = new List<float> { 0f, float.Epsilon, 1e-40f, 1.17549435e-38f, 1e-30f, 0.5f, 0.70710677f, 0.70710683f, 1f, 2f, 1e6f };
        for (int i = 0; i < 2000; i++) x.Add((float)Math.Pow(2, -random.NextDouble() * 140));
        var values = x.ToArray();
        var logs = new float[values.Length];
        NtmColumns.Log(values, logs);
        Assert.Equal(float.NegativeInfinity, logs[0]);
        for (int i = 1; i < values.Length; i++)
        {
            double expected = Math.Log(values[i]);
            double ulp = Math.Max(Math.Abs(MathF.BitIncrement((float)expected) - (float)expected), float.Epsilon);
            Assert.True(Math.Abs(logs[i] - expected) <= 2 * ulp, $"ln({values[i]:R}) = {expected:R}, got {logs[i]:R}");
        }
    }
}
