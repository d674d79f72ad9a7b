namespace Modules;

/// <summary>
/// Weak list of live modules. Children are assigned to fields only after their constructors ran, so parent
/// links cannot be set at construction; instead, the first time a name or path is needed after modules were
/// created, every live module's generated member enumeration links its children (for a module held by
/// several parents, the first parent by creation order wins).
/// </summary>
/// <remarks>
/// Links are recomputed only after a module is created, so pointing a field at an already existing module
/// after construction is reflected once any new module is created (or <see cref="Invalidate"/> is called).
/// </remarks>
internal static class ModuleRegistry
{
    private static readonly object Gate = new();
    private static readonly List<WeakReference<Module>> Live = [];
    private static int pruneAt = 1024;
    private static bool dirty;

    public static void Register(Module module)
    {
        lock (Gate)
        {
            // Drop collected modules now and then so that the list tracks the live population.
            if (Live.Count >= pruneAt)
            {
                Live.RemoveAll(w => !w.TryGetTarget(out _));
                pruneAt = Math.Max(1024, 2 * Live.Count);
            }
            Live.Add(new WeakReference<Module>(module));
            dirty = true;
        }
    }

    /// <summary>Forces the next name or path query to relink every live module.</summary>
    public static void Invalidate()
    {
        lock (Gate) dirty = true;
    }

    /// <summary>
    /// Runs <paramref name="read"/> (which follows parent links) under the registry's lock, after relinking if
    /// modules were created since the last pass, so that no thread sees a half-done relink.
    /// </summary>
    public static T Read<T>(Func<T> read)
    {
        lock (Gate)
        {
            if (dirty) Relink();
            return read();
        }
    }

    private static void Relink()
    {
        Live.RemoveAll(w => !w.TryGetTarget(out _));
        var alive = new List<Module>(Live.Count);
        foreach (var w in Live)
            if (w.TryGetTarget(out var m)) alive.Add(m);
        // Compute every link first (parents in creation order claim their children), then publish them.
        var links = new Dictionary<Module, (Module Parent, string Name)>(ReferenceEqualityComparer.Instance);
        foreach (var parent in alive)
        {
            var children = parent.DirectChildren();
            var names = ModuleNaming.UniqueNames(children);
            for (int i = 0; i < children.Count; i++)
                if (!links.ContainsKey(children[i]) && !ReferenceEquals(children[i], parent) && !IsAncestor(children[i], parent, links))
                    links[children[i]] = (parent, names[i]);
        }
        foreach (var m in alive)
        {
            if (links.TryGetValue(m, out var link)) m.Link(link.Parent, link.Name);
            else m.ClearLink();
        }
        dirty = false;
    }

    private static bool IsAncestor(Module candidate, Module of, Dictionary<Module, (Module Parent, string Name)> links)
    {
        for (var p = of; links.TryGetValue(p, out var link);)
        {
            p = link.Parent;
            if (ReferenceEquals(p, candidate)) return true;
        }
        return false;
    }
}
