namespace DncTrain;

/// <summary>How a heatmap maps values to colours.</summary>
public enum ColourScale
{
    /// <summary>0 (white) to <see cref="Heatmap.Range"/> (navy): weights, usage, modes, links, bits.</summary>
    Unit,
    /// <summary>−<see cref="Heatmap.Range"/> (red) through 0 (white) to +<see cref="Heatmap.Range"/> (navy): memory contents.</summary>
    Signed,
}

/// <summary>
/// One panel of the memory page: a matrix with one row per memory slot (channel, mode) and one column per time step
/// (or word element, or slot for the link matrix).
/// </summary>
/// <param name="Title">Panel heading, e.g. "Write weights (head 0)".</param>
/// <param name="Values">Row-major <c>[rows, columns]</c>.</param>
/// <param name="RowLabels">One label per row, e.g. slot numbers or mode names.</param>
public sealed record Heatmap(string Title, float[,] Values, IReadOnlyList<string> RowLabels)
{
    /// <summary>The colour scale; <see cref="ColourScale.Unit"/> unless said otherwise.</summary>
    public ColourScale Scale { get; init; } = ColourScale.Unit;

    /// <summary>The value drawn darkest (and, on the signed scale, its negative drawn reddest).</summary>
    public float Range { get; init; } = 1f;

    /// <summary>What a column is, used in the cell tooltips (<c>t=3</c>) and the axis note: <c>t</c> for time.</summary>
    public string ColumnName { get; init; } = "t";

    /// <summary>Whether the columns are the episode's time steps (drawn at the page's common step width, padding greyed).</summary>
    public bool OverTime => ColumnName == "t";

    /// <summary>Print each value inside its cell (numbers such as the adding task's sums), where the cell is wide enough.</summary>
    public bool ShowValues { get; init; }
}
