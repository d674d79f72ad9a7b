using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain;

/// <summary>
/// What the memory did over one episode, for the first batch entry, gathered step by step while unrolling:
/// every core's <see cref="MemoryTrace"/>, plus the DNC's read modes when it reports them.
/// </summary>
public sealed class EpisodeTrace
{
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
        writeWeights.Add(step.WriteWeights.Detach().Clone());
        readWeights.Add(step.ReadWeights.Detach().Clone());
        usage.Add(step.Usage?.Detach().Clone());
    }

    /// <summary>Records one step's DNC read modes, [B, R, 1+2W] (W backward, W forward, 1 content).</summary>
    public void AddReadModes(Tensor modes)
    {
        ArgumentNullException.ThrowIfNull(modes);
        readModes.Add(modes.Detach().Clone());
    }

    /// <summary>
    /// The panels: write weights per write head, read weights per read head, usage (when every step has it), and read
    /// modes per read head (when every step has them).
    /// </summary>
    public IReadOnlyList<Heatmap> ToHeatmaps()
    {
        if (Steps == 0) return [];
        var maps = new List<Heatmap>();
        int writes = writeWeights[0].Dim(1), reads = readWeights[0].Dim(1), slots = writeWeights[0].Dim(2);
        var slotLabels = Enumerable.Range(0, slots).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        for (int w = 0; w < writes; w++)
            maps.Add(new Heatmap($"Write weights (head {w})", Collect(writeWeights, slots, (x, n) => x.At(0, w, n)), slotLabels));
        for (int r = 0; r < reads; r++)
            maps.Add(new Heatmap($"Read weights (head {r})", Collect(readWeights, slots, (x, n) => x.At(0, r, n)), slotLabels));
        if (usage.All(u => u is not null))
            maps.Add(new Heatmap("Usage", Collect(usage!, slots, (x, n) => x.At(0, n)), slotLabels));
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

    private static float[,] Collect(IReadOnlyList<Tensor> steps, int rows, Func<Tensor, int, float> value)
    {
        var result = new float[rows, steps.Count];
        for (int t = 0; t < steps.Count; t++)
            for (int i = 0; i < rows; i++)
                result[i, t] = value(steps[t], i);
        return result;
    }
}
