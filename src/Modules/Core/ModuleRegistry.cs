namespace Modules;

/// <summary>
/// Weak list of live modules. Children are assigned to fields only after their constructors ran, so parent
/// links cannot be set at construction; instead, the first time a name or path is needed after modules were
/// created, every live module's generated member enumeration links its children (for a module held by
/// several parents, the first occurrence in a depth-first walk from its root, in declaration order, wins: the
/// path <see cref="Module.NamedParameters"/> lists its parameters under).
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

    /// <summary>How many times the links were recomputed: a value kept from one <see cref="Read"/> stays valid while this is unchanged (read under the lock).</summary>
    public static int Links { get; private set; }

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
    /// Runs <paramref name="read"/> (which follows parent links from <paramref name="state"/>) under the registry's lock,
    /// after relinking if modules were created since the last pass, so that no thread sees a half-done relink. The state
    /// goes to a static <paramref name="read"/>, so a read makes no closure.
    /// </summary>
    public static T Read<TState, T>(TState state, Func<TState, T> read)
    {
        lock (Gate)
        {
            if (dirty) Relink();
            return read(state);
        }
    }

    private static void Relink()
    {
        Live.RemoveAll(w => !w.TryGetTarget(out _));
        var alive = new List<Module>(Live.Count);
        foreach (var w in Live)
            if (w.TryGetTarget(out var m)) alive.Add(m);
        var children = new Dictionary<Module, List<(Module Child, string Name)>>(ReferenceEqualityComparer.Instance);
        var held = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var m in alive)
        {
            children[m] = m.NamedChildren();
            foreach (var (child, _) in children[m]) held.Add(child);
        }
        // The rule NamedParameters follows: from each root, depth-first in declaration order, a module takes the
        // path of its first occurrence. Roots are modules nobody holds (in creation order); a module held only
        // inside a cycle starts a walk of its own afterwards.
        var links = new Dictionary<Module, (Module Parent, string Name)>(ReferenceEqualityComparer.Instance);
        var visited = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        void Visit(Module parent)
        {
            if (!children.TryGetValue(parent, out var list)) list = parent.NamedChildren();
            foreach (var (child, name) in list)
                if (visited.Add(child))
                {
                    links[child] = (parent, name);
                    Visit(child);
                }
        }
        foreach (var m in alive)
            if (!held.Contains(m) && visited.Add(m)) Visit(m);
        foreach (var m in alive)
            if (visited.Add(m)) Visit(m);
        foreach (var m in alive)
        {
            if (links.TryGetValue(m, out var link)) m.Link(link.Parent, link.Name);
            else m.ClearLink();
        }
        dirty = false;
        Links++;
    }
}
