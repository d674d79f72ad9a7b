using System.ComponentModel;
using System.Globalization;
using Modules.Tensors;

namespace Modules;

/// <summary>
/// Receives a module's own parameters and direct submodules in declaration order. Generated
/// <see cref="Module.VisitMembers"/> overrides call it; user code does not need it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ModuleMemberVisitor
{
    /// <summary>A parameter slot: its snake_case <paramref name="name"/> and its tensor, null until created.</summary>
    public abstract void Parameter(string name, Tensor? value);

    /// <summary>
    /// A submodule field (or one element of a submodule collection); null entries are skipped by callers.
    /// <paramref name="name"/> is the name it takes among its siblings (<see cref="ElementName"/> for elements of
    /// dictionaries and nested collections); null means its own <see cref="Module.Name"/> before de-duplication.
    /// </summary>
    public abstract void Child(Module? module, string? name = null);

    /// <summary>Every element of a submodule array or list field, in order, each under its own name.</summary>
    public void Children<TModule>(IEnumerable<TModule?>? modules) where TModule : Module
    {
        if (modules is null) return;
        foreach (var m in modules) Child(m);
    }

    /// <summary>
    /// The entries of a dictionary member with their keys formatted (invariant culture), in ordinal order of those
    /// keys, so that enumeration does not depend on insertion order.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, TValue>> ByKey<TKey, TValue>(IEnumerable<KeyValuePair<TKey, TValue>>? entries)
    {
        if (entries is null) return [];
        return entries
            .Select(e => new KeyValuePair<string, TValue>(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "", e.Value))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// The name of an element of a dictionary or nested collection: the member's snake_case name followed by each
    /// key or index, joined by <c>_</c> (<c>heads_query</c>, <c>grid_0_1</c>). A '/' in a key, which would split the
    /// path, becomes '_'; names that then collide are made unique like any siblings' (<c>_1</c>, <c>_2</c>, …).
    /// </summary>
    public static string ElementName(string member, params string[] keys) =>
        member + "_" + string.Join('_', keys).Replace('/', '_');
}
