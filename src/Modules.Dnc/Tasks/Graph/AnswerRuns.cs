using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// Answers in a batch of softmax outputs: an answer is a run of consecutive masked steps of one batch entry (a graph
/// episode's answer phase, the '-' positions of one bAbI question), and it is correct only when every group of
/// classes on every one of its steps is right. Shared by the graph and bAbI tasks.
/// </summary>
internal static class AnswerRuns
{
    /// <summary>The runs of mask ≠ 0 per entry, entry by entry, in time order.</summary>
    public static List<(int Entry, int Start, int Length)> Find(Tensor mask)
    {
        int steps = mask.Dim(0), batch = mask.Dim(1);
        var runs = new List<(int, int, int)>();
        var m = mask.Values;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                if (m[t * batch + b] == 0f) continue;
                int start = t;
                while (t + 1 < steps && m[(t + 1) * batch + b] != 0f) t++;
                runs.Add((b, start, t - start + 1));
            }
        return runs;
    }

    /// <summary>Whether each run of <see cref="Find"/> is fully right, in the same order.</summary>
    /// <param name="op">Name used in shape errors.</param>
    /// <param name="logits">The core's output, <c>[T, B, F]</c>.</param>
    /// <param name="batch">The batch answered.</param>
    /// <param name="classes">Classes per softmax group.</param>
    public static bool[] Correct(string op, Tensor logits, DatasetTensors batch, int classes)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(batch);
        if (!logits.Shape.SequenceEqual(batch.Targets.Shape))
            throw new ShapeMismatchException(op, logits.ShapeArray(), batch.Targets.ShapeArray(), "do not match: logits must have the targets' shape [T, B, F]");
        var matches = Tensor.GroupArgmaxMatches(logits, batch.Targets, classes);
        int width = batch.Mask.Dim(1);
        return Find(batch.Mask).Select(run =>
        {
            for (int t = run.Start; t < run.Start + run.Length; t++)
                if (!matches[t * width + run.Entry]) return false;
            return true;
        }).ToArray();
    }

    /// <summary>The share of runs that are fully right, in [0, 1]; 0 for a batch without answers.</summary>
    public static float Accuracy(string op, Tensor logits, DatasetTensors batch, int classes)
    {
        var correct = Correct(op, logits, batch, classes);
        return correct.Length == 0 ? 0f : (float)correct.Count(c => c) / correct.Length;
    }
}
