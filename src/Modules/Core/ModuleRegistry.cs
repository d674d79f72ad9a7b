namespace Modules;

/// <summary>
/// Weak list of live modules. Children are assigned to fields only after their constructors ran, so parent
/// links cannot be set at construction; instead, when a path is needed, every live module's generated
/// member enumeration links its children (first parent by creation order wins for shared modules).
/// </summary>
internal static class ModuleRegistry
{
    private static readonly object Gate = new();
    private static readonly List<WeakReference<Module>> Live = [];
    private static bool dirty;

    public static void Register(Module module)
    {
        lock (Gate)
        {
            Live.Add(new WeakReference<Module>(module));
            dirty = true;
        }
    }

    /// <summary>Relinks parents and sibling-unique names if modules were created since the last pass, or <paramref name="force"/>.</summary>
    public static void Resolve(bool force)
    {
        lock (Gate)
        {
            if (!dirty && !force) return;
            var alive = new List<Module>(Live.Count);
            Live.RemoveAll(w => !w.TryGetTarget(out _));
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
