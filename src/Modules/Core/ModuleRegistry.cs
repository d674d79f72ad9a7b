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

    /// <summary>Relinks parents and sibling-unique names if modules were created since the last pass.</summary>
    public static void Resolve()
    {
        if (!Volatile.Read(ref dirty)) return;
        lock (Gate)
        {
            if (!dirty) return;
            Live.RemoveAll(w => !w.TryGetTarget(out _));
            var alive = new List<Module>(Live.Count);
            foreach (var w in Live)
                if (w.TryGetTarget(out var m)) { alive.Add(m); m.ClearLink(); }
            foreach (var parent in alive)
            {
                var children = parent.DirectChildren();
                var names = ModuleNaming.UniqueNames(children);
                for (int i = 0; i < children.Count; i++)
                    if (children[i].LinkedParent is null && !ReferenceEquals(children[i], parent) && !IsAncestor(children[i], parent))
                        children[i].Link(parent, names[i]);
            }
            dirty = false;
        }
    }

    private static bool IsAncestor(Module candidate, Module of)
    {
        for (var p = of.LinkedParent; p is not null; p = p.LinkedParent)
            if (ReferenceEquals(p, candidate)) return true;
        return false;
    }
}
