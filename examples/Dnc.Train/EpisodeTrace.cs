using Modules.Dnc;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain;

/// <summary>
/// What the memory did over one episode, for the first batch entry, gathered step by step while unrolling:
/// every core's <see cref="MemoryTrace"/> (weights, usage, the DNC's read modes, the memory after each step and the last
/// step's link matrix), turned into the sections of the memory page by <see cref="ToPage"/>. Memories larger than
/// <see cref="MaxRows"/> slots (the sparse cores' large N) are drawn with only the slots the episode touched.
/// </summary>
public sealed class EpisodeTrace
{
    /// <summary>Up to this many slots every slot gets a row; beyond it only touched slots do (at most this many).</summary>
    public const int MaxRows = 256;

    /// <summary>A slot counts as touched when some step's read or write weight on it reaches this.</summary>
    public const float TouchedWeight = 0.01f;

    private readonly List<Tensor> writeWeights = [];
    private readonly List<Tensor> readWeights = [];
    private readonly List<Tensor?> usage = [];
    private readonly List<Tensor> readModes = [];
    private readonly List<Tensor?> memory = [];
    private Tensor? lastLink;

    /// <summary>Number of recorded steps.</summary>
    public int Steps => writeWeights.Count;

    /// <summary>Records one step (write weights [B, W, N], read weights [B, R, N], usage [B, N] or null).</summary>
    public void Add(MemoryTrace step)
    {
        ArgumentNullException.ThrowIfNull(step);
        // Only the first batch entry is drawn, so only it is kept.
        writeWeights.Add(FirstEntry(step.WriteWeights));
        readWeights.Add(FirstEntry(step.ReadWeights));
        usage.Add(step.Usage is { } u ? FirstEntry(u) : null);
        if (step.ReadModes is { } modes) readModes.Add(FirstEntry(modes));
        memory.Add(step.Memory is { } m ? FirstEntry(m) : null);
        // Only the last step's links are drawn; earlier ones are dropped as the episode goes on.
        lastLink = step.Link is { } link ? FirstEntry(link) : null;
    }

    private static Tensor FirstEntry(Tensor x)
    {
        using var _ = Tensor.NoGrad();
        return x.Detach().Slice(0, 0, 1).Clone();
    }

    /// <summary>
    /// The panels: write weights per write head, read weights per read head, usage (when every step has it), and read
    /// modes per read head (when every step has them).
    /// </summary>
    public IReadOnlyList<Heatmap> ToHeatmaps()
    {
        if (Steps == 0) return [];
        var maps = new List<Heatmap>();
        int writes = writeWeights[0].Dim(1), reads = readWeights[0].Dim(1);
        int[] shown = ShownSlots();
        string suffix = shown.Length == writeWeights[0].Dim(2) ? "" : ", touched slots";
        var slotLabels = shown.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        for (int w = 0; w < writes; w++)
            maps.Add(new Heatmap($"Write weights (head {w}{suffix})", Collect(writeWeights, shown.Length, (x, i) => x.At(0, w, shown[i])), slotLabels));
        for (int r = 0; r < reads; r++)
            maps.Add(new Heatmap($"Read weights (head {r}{suffix})", Collect(readWeights, shown.Length, (x, i) => x.At(0, r, shown[i])), slotLabels));
        if (usage.All(u => u is not null))
        {
            // DNC usage lives in [0, 1]; the sparse cores report time since last access, which is scaled to fit the colours.
            var values = Collect(usage!, shown.Length, (x, i) => x.At(0, shown[i]));
            float max = values.Cast<float>().DefaultIfEmpty(0f).Max();
            var notes = new List<string>();
            if (suffix.Length > 0) notes.Add("touched slots");
            if (max > 1f)
            {
                for (int i = 0; i < values.GetLength(0); i++)
                    for (int t = 0; t < values.GetLength(1); t++)
                        values[i, t] /= max;
                notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"scaled, 1 = {max:0.###}"));
            }
            maps.Add(new Heatmap(notes.Count == 0 ? "Usage" : $"Usage ({string.Join(", ", notes)})", values, slotLabels));
        }
        if (readModes.Count == Steps)
        {
            int modes = readModes[0].Dim(2);
            int linkHeads = (modes - 1) / 2;
            var modeLabels = Enumerable.Range(0, linkHeads).Select(i => $"backward {i}")
                .Concat(Enumerable.Range(0, linkHeads).Select(i => $"forward {i}")).Append("content").ToArray();
            for (int r = 0; r < reads; r++)
                maps.Add(new Heatmap($"Read modes (head {r})", Collect(readModes, modes, (x, m) => x.At(0, r, m)), modeLabels));
        }
        return maps;
    }

    /// <summary>
    /// The memory page of this episode: the episode (input, target, prediction, scored steps) over time; write and read
    /// weights per head; usage and read modes; the memory at up to three chosen steps (the last input step, the middle
    /// of the scored steps, the last real step); the link matrix after the last step.
    /// </summary>
    /// <param name="title">The page heading.</param>
    /// <param name="batch">The batch that was unrolled: observations <c>[T, B, I]</c>, targets <c>[T, B, O]</c>, mask <c>[T, B]</c>.</param>
    /// <param name="logits">The model's output for it, <c>[T, B, O]</c>.</param>
    /// <param name="numericTargets">Targets are numbers (adding, argmax), printed as such; otherwise bits, drawn as sigmoid(logits).</param>
    /// <param name="episodeText">The episode as the reports print it.</param>
    /// <param name="episodePanels">Panels that show the input, target and prediction in the task's own terms (a graph
    /// episode's triples as labels, <see cref="GraphEpisodePanels"/>) instead of channel by channel; null: channels.</param>
    public MemoryPage ToPage(string title, DatasetTensors batch, Tensor logits, bool numericTargets, string? episodeText,
        IReadOnlyList<Heatmap>? episodePanels = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(logits);
        int steps = batch.Observations.Dim(0);
        var inputs = Channels(batch.Observations, steps);
        var targets = Channels(batch.Targets, steps);
        var predictions = Channels(logits, steps);
        var mask = new float[1, steps];
        for (int t = 0; t < steps; t++) mask[0, t] = batch.Mask.At(t, 0);
        int realSteps = RealSteps(inputs, mask);

        var sections = new List<PageSection>();
        float targetRange = numericTargets ? Math.Max(1f, targets.Cast<float>().Max()) : 1f;
        if (!numericTargets)
            for (int i = 0; i < predictions.GetLength(0); i++)
                for (int t = 0; t < steps; t++)
                    predictions[i, t] = 1f / (1f + MathF.Exp(-predictions[i, t]));
        for (int t = 0; t < steps; t++)
            if (mask[0, t] == 0 && numericTargets)
                for (int i = 0; i < targets.GetLength(0); i++) targets[i, t] = float.NaN;   // no target on unscored steps
        sections.Add(new PageSection("Episode",
            "The first episode of a fresh batch, one column per time step. Greyed columns are padding after the episode ended.",
            [
                .. episodePanels ??
                [
                    new Heatmap("Input", inputs, Numbered(inputs.GetLength(0), "ch ")),
                    new Heatmap("Target", targets, Numbered(targets.GetLength(0), "ch ")) { Range = targetRange, ShowValues = numericTargets },
                    new Heatmap(numericTargets ? "Prediction" : "Prediction (sigmoid of the output)", predictions, Numbered(predictions.GetLength(0), "ch "))
                        { Range = targetRange, ShowValues = numericTargets },
                ],
                new Heatmap("Scored steps (mask)", mask, ["mask"]),
            ], SideBySide: false));
        var maps = ToHeatmaps();
        sections.Add(new PageSection("Write and read weights",
            "Where each head writes and reads, slot down, time across.",
            maps.Where(m => m.Title.StartsWith("Write", StringComparison.Ordinal) || m.Title.StartsWith("Read weights", StringComparison.Ordinal)).ToList(),
            SideBySide: true));
        var usageAndModes = maps.Where(m => m.Title.StartsWith("Usage", StringComparison.Ordinal) || m.Title.StartsWith("Read modes", StringComparison.Ordinal)).ToList();
        if (usageAndModes.Count > 0)
            sections.Add(new PageSection("Usage and read modes",
                "Usage per slot before each write; per read head, how much it follows the temporal links backward, forward, or looks up by content.",
                usageAndModes, SideBySide: true));
        if (memory.All(m => m is not null) && Steps > 0)
            sections.Add(new PageSection("Memory contents",
                "The memory after the chosen steps: slot down, word element across (red negative, blue positive).",
                MemorySnapshots(ChosenSteps(mask, realSteps)), SideBySide: true));
        if (lastLink is { } link)
        {
            int[] shown = ShownSlots();
            var labels = shown.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var links = new List<Heatmap>();
            for (int w = 0; w < link.Dim(1); w++)
            {
                var values = new float[shown.Length, shown.Length];
                for (int i = 0; i < shown.Length; i++)
                    for (int j = 0; j < shown.Length; j++) values[i, j] = link.At(0, w, shown[i], shown[j]);
                links.Add(new Heatmap($"Link matrix (write head {w})", values, labels) { ColumnName = "from slot" });
            }
            sections.Add(new PageSection("Link matrix at the end",
                "L[i, j]: how much slot i was written right after slot j (row i, column j), after the last step.", links, SideBySide: true));
        }
        return new MemoryPage(title, steps, realSteps, sections, episodeText);
    }

    // The memory [N, Wd] after each chosen step, on one signed scale so snapshots compare.
    private List<Heatmap> MemorySnapshots(IReadOnlyList<int> chosen)
    {
        int[] shown = ShownSlots();
        var labels = shown.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var snapshots = new List<float[,]>();
        float range = 0f;
        foreach (int t in chosen)
        {
            var m = memory[t]!;   // [1, N, Wd]
            var values = new float[shown.Length, m.Dim(2)];
            for (int i = 0; i < shown.Length; i++)
                for (int k = 0; k < m.Dim(2); k++)
                {
                    values[i, k] = m.At(0, shown[i], k);
                    range = Math.Max(range, Math.Abs(values[i, k]));
                }
            snapshots.Add(values);
        }
        return chosen.Select((t, n) => new Heatmap($"Memory after step {t}", snapshots[n], labels)
            { Scale = ColourScale.Signed, Range = range > 0 ? range : 1f, ColumnName = "element" }).ToList();
    }

    // The last input step (before the first scored step), the middle of the scored steps and the last real step.
    private static List<int> ChosenSteps(float[,] mask, int realSteps)
    {
        var scored = Enumerable.Range(0, realSteps).Where(t => mask[0, t] > 0).ToList();
        var chosen = new List<int>();
        if (scored.Count > 0 && scored[0] > 0) chosen.Add(scored[0] - 1);
        if (scored.Count > 2) chosen.Add(scored[scored.Count / 2]);
        chosen.Add(Math.Max(realSteps - 1, 0));
        return chosen.Distinct().Order().ToList();
    }

    // Steps up to the last one with an input or a scored target; the rest is padding of a shorter episode.
    private static int RealSteps(float[,] inputs, float[,] mask)
    {
        for (int t = inputs.GetLength(1) - 1; t >= 0; t--)
        {
            if (mask[0, t] != 0) return t + 1;
            for (int i = 0; i < inputs.GetLength(0); i++)
                if (inputs[i, t] != 0) return t + 1;
        }
        return inputs.GetLength(1);
    }

    // [T, B, C] -> [C, T] of batch entry 0.
    private static float[,] Channels(Tensor x, int steps)
    {
        var result = new float[x.Dim(2), steps];
        for (int t = 0; t < steps; t++)
            for (int c = 0; c < x.Dim(2); c++) result[c, t] = x.At(t, 0, c);
        return result;
    }

    private static string[] Numbered(int count, string prefix) =>
        Enumerable.Range(0, count).Select(i => prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    // Every slot of a small memory; of a large one, the slots some read or write weight reached TouchedWeight on.
    private int[] ShownSlots()
    {
        int slots = writeWeights[0].Dim(2);
        if (slots <= MaxRows) return Enumerable.Range(0, slots).ToArray();
        var touched = new bool[slots];
        foreach (var weights in writeWeights.Concat(readWeights))
        {
            var values = weights.Values;   // [1, heads, N]
            for (int i = 0; i < values.Length; i++)
                if (values[i] >= TouchedWeight) touched[i % slots] = true;
        }
        return Enumerable.Range(0, slots).Where(n => touched[n]).Take(MaxRows).ToArray();
    }

    private static float[,] Collect(IReadOnlyList<Tensor> steps, int rows, Func<Tensor, int, float> value)
    {
        var result = new float[rows, steps.Count];
        for (int t = 0; t < steps.Count; t++)
            for (int i = 0; i < rows; i++)
                result[i, t] = value(steps[t], i);
        return result;
    }
}
