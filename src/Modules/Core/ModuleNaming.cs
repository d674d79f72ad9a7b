using System.Text;

namespace Modules;

/// <summary>Sonnet-style module names: snake_case type names, made unique among siblings with <c>_1</c>, <c>_2</c>, ….</summary>
public static class ModuleNaming
{
    /// <summary>
    /// <paramref name="identifier"/> in snake_case: <c>MemoryAccess</c> → <c>memory_access</c>, <c>LSTMCell</c> → <c>lstm_cell</c>,
    /// <c>_wGates</c> → <c>w_gates</c>.
    /// </summary>
    public static string ToSnakeCase(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var s = identifier.TrimStart('_');
        var sb = new StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsUpper(c))
            {
                bool prevLowerOrDigit = i > 0 && (char.IsLower(s[i - 1]) || char.IsDigit(s[i - 1]));
                bool acronymEnd = i > 0 && char.IsUpper(s[i - 1]) && i + 1 < s.Length && char.IsLower(s[i + 1]);
                if ((prevLowerOrDigit || acronymEnd) && sb.Length > 0 && sb[^1] != '_') sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>The names of <paramref name="siblings"/> in order, later duplicates suffixed <c>_1</c>, <c>_2</c>, ….</summary>
    internal static string[] UniqueNames(IReadOnlyList<Module> siblings)
    {
        var names = new string[siblings.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < siblings.Count; i++)
        {
            var baseName = siblings[i].BaseName;
            var name = baseName;
            for (int k = 1; !used.Add(name); k++) name = $"{baseName}_{k}";
            names[i] = name;
        }
        return names;
    }
}
