using System.Globalization;
using System.Text;

namespace Modules.Dnc.Tasks;

/// <summary>The row format of DeepMind's <c>to_human_readable</c>, shared by the bit-sequence tasks.</summary>
internal static class ReadableRows
{
    /// <summary>
    /// One channel over time: <c>'+' + ' '.join('-' if x == 0 else '%d' % x) + '+'</c> (<c>%d</c> truncates towards zero).
    /// </summary>
    public static string Row(int steps, Func<int, float> value)
    {
        var sb = new StringBuilder("+");
        for (int t = 0; t < steps; t++)
        {
            if (t > 0) sb.Append(' ');
            float v = value(t);
            if (v == 0f) sb.Append('-');
            else sb.Append(((long)Math.Truncate((double)v)).ToString(CultureInfo.InvariantCulture));
        }
        return sb.Append('+').ToString();
    }
}
