using System.Text;

namespace Modules.Snapshots;

/// <summary>
/// A readable line diff for snapshot failures: hunks with <c>@@ -a,n +b,m @@</c> headers, two lines of context,
/// <c>-</c> for verified-only lines and <c>+</c> for received-only lines (longest common subsequence of lines).
/// </summary>
public static class LineDiff
{
    private const int Context = 2;

    /// <summary>Beyond this many cells the middle part is shown as replaced wholesale instead of aligned.</summary>
    private const long MaxTableCells = 4_000_000;

    /// <summary>The diff from <paramref name="expected"/> to <paramref name="actual"/> (lines split on <c>\n</c>); empty when equal.</summary>
    /// <param name="expected">The old text (verified).</param>
    /// <param name="actual">The new text (received).</param>
    public static string Compute(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var ops = Align(a, b);
        if (ops.All(op => op.Kind == ' ')) return "";

        var sb = new StringBuilder();
        int i = 0;
        while (i < ops.Count)
        {
            if (ops[i].Kind == ' ') { i++; continue; }
            int start = Math.Max(0, i - Context);
            // Extend the hunk while changes are closer than 2·Context lines apart.
            int end = i;
            int lastChange = i;
            while (end < ops.Count && (ops[end].Kind != ' ' || end - lastChange <= 2 * Context))
            {
                if (ops[end].Kind != ' ') lastChange = end;
                end++;
            }
            end = Math.Min(ops.Count, lastChange + Context + 1);
            int oldStart = ops[start].OldLine, newStart = ops[start].NewLine;
            int oldCount = 0, newCount = 0;
            for (int k = start; k < end; k++)
            {
                if (ops[k].Kind != '+') oldCount++;
                if (ops[k].Kind != '-') newCount++;
            }
            sb.Append("@@ -").Append(oldStart + 1).Append(',').Append(oldCount)
              .Append(" +").Append(newStart + 1).Append(',').Append(newCount).Append(" @@\n");
            for (int k = start; k < end; k++) sb.Append(ops[k].Kind).Append(' ').Append(ops[k].Text).Append('\n');
            i = end;
        }
        return sb.ToString();
    }

    private readonly record struct Op(char Kind, string Text, int OldLine, int NewLine);

    private static List<Op> Align(string[] a, string[] b)
    {
        int prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        int suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;

        var ops = new List<Op>(a.Length + b.Length);
        for (int k = 0; k < prefix; k++) ops.Add(new(' ', a[k], k, k));
        int n = a.Length - prefix - suffix, m = b.Length - prefix - suffix;
        if ((long)n * m <= MaxTableCells)
            AlignMiddle(a, b, prefix, n, m, ops);
        else
        {
            for (int k = 0; k < n; k++) ops.Add(new('-', a[prefix + k], prefix + k, prefix));
            for (int k = 0; k < m; k++) ops.Add(new('+', b[prefix + k], prefix + n, prefix + k));
        }
        for (int k = 0; k < suffix; k++) ops.Add(new(' ', a[a.Length - suffix + k], a.Length - suffix + k, b.Length - suffix + k));
        return ops;
    }

    private static void AlignMiddle(string[] a, string[] b, int offset, int n, int m, List<Op> ops)
    {
        // lcs[i, j] = length of the LCS of a[offset+i..] and b[offset+j..].
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i, j] = a[offset + i] == b[offset + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[offset + x] == b[offset + y])
            {
                ops.Add(new(' ', a[offset + x], offset + x, offset + y));
                x++; y++;
            }
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                ops.Add(new('-', a[offset + x], offset + x, offset + y));
                x++;
            }
            else
            {
                ops.Add(new('+', b[offset + y], offset + x, offset + y));
                y++;
            }
        }
    }
}
