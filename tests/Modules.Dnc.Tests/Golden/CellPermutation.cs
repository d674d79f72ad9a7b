using Modules.Tensors;

namespace Modules.Dnc.Tests.Golden;

/// <summary>
/// Relabels memory cells per batch entry. The golden files come from a float64 implementation, which can
/// break usage ties (cells equal in float32) with residues of order ε² = 1e-12 that float32 cannot hold;
/// the DNC is equivariant under relabelling cells, so the float32 run then allocates the same contents to
/// differently numbered cells. Everything per cell is compared after this relabelling; everything else
/// (outputs, read words, controller state, gradients) is compared as is.
/// </summary>
public static class CellPermutation
{
    /// <summary>For each batch entry b, perm[b][r] = our cell that holds golden cell r (matched by memory rows).</summary>
    public static int[][] FromMemory(Tensor golden, Tensor ours, double atol)
    {
        int b = golden.Dim(0), n = golden.Dim(1), wd = golden.Dim(2);
        var perm = new int[b][];
        for (int i = 0; i < b; i++)
        {
            perm[i] = new int[n];
            var used = new bool[n];
            for (int r = 0; r < n; r++)
            {
                int best = -1; double bestDiff = double.MaxValue;
                for (int q = 0; q < n; q++)
                {
                    if (used[q]) continue;
                    double d = 0;
                    for (int k = 0; k < wd; k++)
                        d = Math.Max(d, Math.Abs(golden.Values[(i * n + r) * wd + k] - ours.Values[(i * n + q) * wd + k]));
                    if (d < bestDiff) { bestDiff = d; best = q; }
                }
                Assert.True(bestDiff <= atol, $"batch {i}: golden memory row {r} matches no remaining row of ours (closest differs by {bestDiff})");
                used[best] = true;
                perm[i][r] = best;
            }
        }
        return perm;
    }

    /// <summary>
    /// Relabels the trailing <paramref name="cellAxes"/> axes (each of size N) of a [B, ..., N(, N)] tensor.
    /// </summary>
    public static Tensor Apply(Tensor t, int[][] perm, int cellAxes = 1)
    {
        var shape = t.ShapeArray();
        int b = shape[0], n = shape[^1];
        int cells = cellAxes == 2 ? n * n : n;
        int middle = t.Size / (b * cells);
        var result = Tensor.Zeros(shape);
        for (int i = 0; i < b; i++)
            for (int m = 0; m < middle; m++)
            {
                int baseIndex = (i * middle + m) * cells;
                for (int r = 0; r < n; r++)
                {
                    if (cellAxes == 1) { result.Data[baseIndex + r] = t.Values[baseIndex + perm[i][r]]; continue; }
                    for (int s = 0; s < n; s++)
                        result.Data[baseIndex + r * n + s] = t.Values[baseIndex + perm[i][r] * n + perm[i][s]];
                }
            }
        return result;
    }
}
