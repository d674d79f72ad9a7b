namespace DncTrain;

/// <summary>
/// One panel of the visualisation: a matrix with one row per memory slot (or mode) and one column per time step.
/// Values are drawn on a fixed 0..1 colour scale (weights, usage and mode probabilities all live there).
/// </summary>
/// <param name="Title">Panel heading, e.g. "Write weights (head 0)".</param>
/// <param name="Values">Row-major <c>[rows, steps]</c>.</param>
/// <param name="RowLabels">One label per row, e.g. slot numbers or mode names.</param>
public sealed record Heatmap(string Title, float[,] Values, IReadOnlyList<string> RowLabels);
