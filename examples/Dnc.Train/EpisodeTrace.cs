using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain;

/// <summary>
/// What the memory did over one episode, for the first batch entry, gathered step by step while unrolling:
/// every core's <see cref="MemoryTrace"/> (weights, usage, and the DNC's read modes). Memories larger than
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
