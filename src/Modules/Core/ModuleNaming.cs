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
        return SnakeCase.From(identifier);
    }

    /// <summary>The sibling names <paramref name="requested"/> in order, later duplicates suffixed <c>_1</c>, <c>_2</c>, ….</summary>
    internal static string[] UniqueNames(IReadOnlyList<string> requested)
    {
        var names = new string[requested.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < requested.Count; i++)
        {
            var baseName = requested[i];
            var name = baseName;
            for (int k = 1; !used.Add(name); k++) name = $"{baseName}_{k}";
            names[i] = name;
        }
        return names;
    }
}
