using Modules.Tensors;

namespace DncTrain;

/// <summary>
/// What the memory did over one episode, for the first batch entry, gathered step by step while unrolling.
/// </summary>
public sealed class EpisodeTrace
{
    private readonly List<Tensor> writeWeights = [];
    private readonly List<Tensor> readWeights = [];
    private readonly List<Tensor> usage = [];
    private readonly List<Tensor> readModes = [];

    /// <summary>Number of recorded steps.</summary>
    public int Steps => usage.Count;

    /// <summary>Records one step.</summary>
    /// <param name="writeWeights">[B, W, N].</param>
    /// <param name="readWeights">[B, R, N].</param>
    /// <param name="usage">[B, N].</param>
    /// <param name="readModes">[B, R, 1+2W] (W backward, W forward, 1 content).</param>
    public void Add(Tensor writeWeights, Tensor readWeights, Tensor usage, Tensor readModes)
    {
        this.writeWeights.Add(writeWeights.Detach().Clone());
        this.readWeights.Add(readWeights.Detach().Clone());
        this.usage.Add(usage.Detach().Clone());
        this.readModes.Add(readModes.Detach().Clone());
    }

    /// <summary>The panels: write weights per write head, read weights per read head, usage, read modes per read head.</summary>
    public IReadOnlyList<Heatmap> ToHeatmaps()
    {
        if (Steps == 0) return [];
        var maps = new List<Heatmap>();
        int writes = writeWeights[0].Dim(1), reads = readWeights[0].Dim(1), slots = usage[0].Dim(1);
        int modes = readModes[0].Dim(2);
        var slotLabels = Enumerable.Range(0, slots).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        for (int w = 0; w < writes; w++)
            maps.Add(new Heatmap($"Write weights (head {w})", Collect(writeWeights, slots, (x, t, n) => x.At(0, w, n)), slotLabels));
        for (int r = 0; r < reads; r++)
            maps.Add(new Heatmap($"Read weights (head {r})", Collect(readWeights, slots, (x, t, n) => x.At(0, r, n)), slotLabels));
        maps.Add(new Heatmap("Usage", Collect(usage, slots, (x, t, n) => x.At(0, n)), slotLabels));
        int linkHeads = (modes - 1) / 2;
        var modeLabels = Enumerable.Range(0, linkHeads).Select(i => $"backward {i}")
            .Concat(Enumerable.Range(0, linkHeads).Select(i => $"forward {i}")).Append("content").ToArray();
        for (int r = 0; r < reads; r++)
            maps.Add(new Heatmap($"Read modes (head {r})", Collect(readModes, modes, (x, t, m) => x.At(0, r, m)), modeLabels));
        return maps;
    }

    private static float[,] Collect(List<Tensor> steps, int rows, Func<Tensor, int, int, float> value)
    {
        var result = new float[rows, steps.Count];
        for (int t = 0; t < steps.Count; t++)
            for (int i = 0; i < rows; i++)
                result[i, t] = value(steps[t], t, i);
        return result;
    }
}
