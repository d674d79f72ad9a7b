using System.Text;

namespace Modules;

/// <summary>
/// Sonnet's snake_case for type and member names. This one file is compiled into both the runtime and the
/// generator, so generated default names and run-time names can never disagree.
/// </summary>
internal static class SnakeCase
{
    /// <summary><c>MemoryAccess</c> → <c>memory_access</c>, <c>LSTMCell</c> → <c>lstm_cell</c>, <c>_wGates</c> → <c>w_gates</c>.</summary>
    public static string From(string identifier)
    {
        var s = identifier.TrimStart('_');
        var sb = new StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsUpper(c))
            {
                bool prevLowerOrDigit = i > 0 && (char.IsLower(s[i - 1]) || char.IsDigit(s[i - 1]));
                bool acronymEnd = i > 0 && char.IsUpper(s[i - 1]) && i + 1 < s.Length && char.IsLower(s[i + 1]);
                if ((prevLowerOrDigit || acronymEnd) && sb.Length > 0 && sb[sb.Length - 1] != '_') sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
