using System.Text;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// Shows a graph episode as triples of three-digit labels, read back from the tensors:
/// <c>Graph (12 triples): (042, 317, 999) …</c>, <c>Query: (042, 317, ___)</c>, <c>Planning: 10 steps</c>,
/// <c>Answer: …</c> and, with logits, <c>Model: …</c> with a <c>*</c> after each wrong triple.
/// </summary>
public sealed class GraphEpisodeRenderer : IEpisodeRenderer
{
    /// <summary>Triples per line in the graph description.</summary>
    private const int PerLine = 6;

    /// <inheritdoc/>
    public string Render(DatasetTensors batch, Tensor? logits = null, bool wholeBatch = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var obs = batch.Observations;
        int steps = obs.Dim(0), width = obs.Dim(1);
        var entries = new List<string>();
        for (int b = 0; b < (wholeBatch ? width : 1); b++)
        {
            var graph = new List<GraphTriple>();
            var query = new List<GraphTriple>();
            var answer = new List<GraphTriple>();
            var model = new List<GraphTriple>();
            int planning = 0;
            for (int t = 0; t < steps; t++)
            {
                var o = Row(obs, t, b);
                if (batch.Mask.At(t, b) != 0f)
                {
                    answer.Add(TripleEncoding.Read(Row(batch.Targets, t, b)));
                    if (logits is not null) model.Add(TripleEncoding.Read(Row(logits, t, b)));
                }
                else if (o[TripleEncoding.QueryFlag] != 0f) query.Add(TripleEncoding.Read(o));
                else if (!o.IsEmpty && o.ContainsAnyExcept(0f)) graph.Add(TripleEncoding.Read(o));
                else if (query.Count > 0 && answer.Count == 0) planning++;
            }
            var sb = new StringBuilder($"Graph ({graph.Count} triples):");
            for (int i = 0; i < graph.Count; i++) sb.Append(i % PerLine == 0 ? "\n  " : " ").Append(graph[i]);
            sb.Append("\nQuery: ").AppendJoin(' ', query);
            if (planning > 0) sb.Append($"\nPlanning: {planning} steps");
            sb.Append("\nAnswer: ").AppendJoin(' ', answer);
            if (logits is not null)
                sb.Append("\nModel:  ").AppendJoin(' ', model.Select((m, i) => m == answer[i] ? m.ToString() : m + "*"));
            entries.Add(sb.ToString());
        }
        return "\n" + string.Join("\n\n", entries);
    }

    private static ReadOnlySpan<float> Row(Tensor t, int step, int b) => t.Values.Slice((step * t.Dim(1) + b) * t.Dim(2), t.Dim(2));
}
