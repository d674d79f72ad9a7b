namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// The paper's encoding of a triple (Graves et al. 2016, Methods, graph tasks): each of the three labels is three
/// decimal digits (hundreds, tens, units), each digit a 10-way one-hot, so a triple is 3 × 3 × 10 = 90 values; an
/// observation adds two flag channels, 92 values in all; the target is the 90 values of the answer triple, read as
/// 9 ten-way softmaxes.
/// </summary>
/// <remarks>
/// The paper marks the query and answer phases with the two flags; it does not say (in what we follow) whether a flag
/// is set on a phase's first step or on all of them. We set <see cref="QueryFlag"/> on every query step and
/// <see cref="AnswerFlag"/> on every answer step, so the model always knows the phase. A blank label (the part of a
/// query the model must supply) is three all-zero digit groups.
/// </remarks>
public static class TripleEncoding
{
    /// <summary>Decimal digits per label, 3.</summary>
    public const int Digits = 3;

    /// <summary>Classes per digit, 10.</summary>
    public const int Classes = 10;

    /// <summary>Values per label, 30.</summary>
    public const int LabelSize = Digits * Classes;

    /// <summary>Values per triple, 90: the target width, 9 ten-way softmaxes.</summary>
    public const int TripleSize = 3 * LabelSize;

    /// <summary>The observation channel set on query steps, 90.</summary>
    public const int QueryFlag = TripleSize;

    /// <summary>The observation channel set on answer steps, 91.</summary>
    public const int AnswerFlag = TripleSize + 1;

    /// <summary>Observation width, 92.</summary>
    public const int ObservationSize = TripleSize + 2;

    /// <summary>The label value of a blank part (encoded as no hot digit).</summary>
    public const int Blank = -1;

    /// <summary>Writes <paramref name="triple"/> one-hot into the first 90 values of <paramref name="destination"/> (which must be zero there).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is neither blank nor in 0–999.</exception>
    public static void Write(GraphTriple triple, Span<float> destination)
    {
        WriteLabel(triple.Source, destination[..LabelSize]);
        WriteLabel(triple.Edge, destination.Slice(LabelSize, LabelSize));
        WriteLabel(triple.Destination, destination.Slice(2 * LabelSize, LabelSize));
    }

    /// <summary>
    /// Reads a triple back from 90 values: each digit is its group's largest value (the first on ties); a label whose
    /// three groups are all zero is <see cref="Blank"/>. Reads encoded observations and targets exactly, and a core's
    /// logits as its answer.
    /// </summary>
    public static GraphTriple Read(ReadOnlySpan<float> source) =>
        new(ReadLabel(source[..LabelSize]), ReadLabel(source.Slice(LabelSize, LabelSize)), ReadLabel(source.Slice(2 * LabelSize, LabelSize)));

    private static void WriteLabel(int label, Span<float> destination)
    {
        if (label == Blank) return;
        if ((uint)label >= Labels.Count) throw new ArgumentOutOfRangeException(nameof(label), $"TripleEncoding: a label must be in [0, {Labels.Count}) or blank, got {label}");
        destination[label / 100] = 1f;
        destination[Classes + label / 10 % 10] = 1f;
        destination[2 * Classes + label % 10] = 1f;
    }

    private static int ReadLabel(ReadOnlySpan<float> source)
    {
        bool blank = true;
        foreach (var v in source) blank &= v == 0f;
        if (blank) return Blank;
        int label = 0;
        for (int d = 0; d < Digits; d++)
        {
            var group = source.Slice(d * Classes, Classes);
            int best = 0;
            for (int c = 1; c < Classes; c++) if (group[c] > group[best]) best = c;
            label = label * 10 + best;
        }
        return label;
    }
}
