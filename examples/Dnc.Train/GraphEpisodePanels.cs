using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain;

/// <summary>
/// A graph episode's panels for the memory page, read back as labels rather than drawn as the 92 input and 90 output
/// channels: per step the input triple's source, edge and destination (blank parts empty) and the phase flags; on the
/// answer steps the target triple, the model's triple (each digit its softmax's argmax) and whether all nine digits are right.
/// </summary>
public static class GraphEpisodePanels
{
    /// <summary>The row labels of the triple panels.</summary>
    public static readonly IReadOnlyList<string> TripleRows = ["source", "edge", "destination"];

    // Labels are 0–999: drawn against twice that, so cells stay pale and the printed labels dark.
    private const float LabelRange = 2 * 999f;

    /// <summary>The panels of batch entry 0: input triples, phase flags, target, prediction and answer correctness, one column per step.</summary>
    /// <param name="batch">Observations <c>[T, B, 92]</c>, targets <c>[T, B, 90]</c>, mask <c>[T, B]</c>.</param>
    /// <param name="logits">The model's output, <c>[T, B, 90]</c>.</param>
    public static IReadOnlyList<Heatmap> Of(DatasetTensors batch, Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(logits);
        int steps = batch.Observations.Dim(0);
        var input = Blank(3, steps);
        var flags = new float[2, steps];
        var target = Blank(3, steps);
        var prediction = Blank(3, steps);
        var right = Blank(1, steps);
        for (int t = 0; t < steps; t++)
        {
            var o = Row(batch.Observations, t);
            Put(input, t, TripleEncoding.Read(o));
            flags[0, t] = o[TripleEncoding.QueryFlag];
            flags[1, t] = o[TripleEncoding.AnswerFlag];
            if (batch.Mask.At(t, 0) == 0f) continue;
            var want = TripleEncoding.Read(Row(batch.Targets, t));
            var got = TripleEncoding.Read(Row(logits, t));
            Put(target, t, want);
            Put(prediction, t, got);
            right[0, t] = want == got ? 1f : 0f;
        }
        return
        [
            new Heatmap("Input triple (labels; blank parts empty)", input, TripleRows) { Range = LabelRange, ShowValues = true },
            new Heatmap("Phase flags", flags, ["query", "answer"]),
            new Heatmap("Target triple (answer steps)", target, TripleRows) { Range = LabelRange, ShowValues = true },
            new Heatmap("Predicted triple (argmax of each digit)", prediction, TripleRows) { Range = LabelRange, ShowValues = true },
            new Heatmap("All nine digits right", right, ["right"]),
        ];
    }

    private static float[,] Blank(int rows, int steps)
    {
        var values = new float[rows, steps];
        for (int i = 0; i < rows; i++)
            for (int t = 0; t < steps; t++) values[i, t] = float.NaN;
        return values;
    }

    private static void Put(float[,] values, int t, GraphTriple triple)
    {
        int[] labels = [triple.Source, triple.Edge, triple.Destination];
        for (int i = 0; i < 3; i++) values[i, t] = labels[i] == TripleEncoding.Blank ? float.NaN : labels[i];
    }

    private static ReadOnlySpan<float> Row(Tensor x, int step) => x.Values.Slice(step * x.Dim(1) * x.Dim(2), x.Dim(2));
}
