using System.ComponentModel;
using Modules.Tensors;

namespace Modules;

/// <summary>
/// Base class of every neural-network module. The constructor takes configuration; a <c>Forward</c> (or
/// <c>Step</c>) method connects inputs and creates parameters on its first call from the input's shape, then
/// reuses them on every later call (parameter sharing). Derive a <c>partial</c> class marked
/// <see cref="ModuleAttribute"/>; the generator supplies naming, enumeration and <c>GetX</c> accessors.
/// </summary>
public abstract partial class Module
{
    private readonly string? explicitName;
    private Generator? generator;

    /// <summary>Creates a module named <paramref name="name"/>, or by default its type name in snake_case.</summary>
    protected Module(string? name = null)
    {
        if (name is not null && (name.Length == 0 || name.Contains('/')))
            throw new ArgumentException($"Module name '{name}' must be non-empty and contain no '/'", nameof(name));
        explicitName = name;
        ModuleRegistry.Register(this);
    }

    /// <summary>The default name: the type name in snake_case. Overridden by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual string DefaultName => "module";

    /// <summary>Enumerates own parameters and direct submodules in declaration order. Overridden by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void VisitMembers(ModuleMemberVisitor visitor)
    {
    }

    /// <summary>Stores <paramref name="value"/> in the parameter field called <paramref name="name"/>; false if there is none. Overridden by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual bool AssignParameter(string name, Tensor value) => false;

    /// <summary>
    /// This module's name among its siblings: the constructor's name or the snake_case type name, suffixed
    /// <c>_1</c>, <c>_2</c>, … when a sibling already has it.
    /// </summary>
    public string Name => ModuleRegistry.Read(this, static m => m.LinkedName ?? m.BaseName);

    /// <summary>
    /// The module that holds this one, or null for a root. A module held by several takes the parent of its first
    /// occurrence in a depth-first walk from its root in declaration order: the path <see cref="NamedParameters"/> lists it under.
    /// </summary>
    public Module? Parent => ModuleRegistry.Read(this, static m => m.LinkedParent);

    /// <summary>The full path from the root, root's name first: <c>dnc/memory_access/read_keys</c>.</summary>
    public string Path => ModuleRegistry.Read(this, static self =>
    {
        // Kept until the links change (kernels ask for it at every time step; building it anew made a string each time).
        if (self.pathLinks == ModuleRegistry.Links && self.path is { } kept) return kept;
        var parts = new List<string>();
        for (var m = self; m is not null; m = m.LinkedParent) parts.Add(m.LinkedName ?? m.BaseName);
        parts.Reverse();
        self.path = string.Join('/', parts);
        self.pathLinks = ModuleRegistry.Links;
        return self.path;
    });

    /// <summary><see cref="Path"/> as last built, and the <see cref="ModuleRegistry.Links"/> it was built under (read and written under the registry's lock).</summary>
    private string? path;
    private int pathLinks;

    /// <summary>The outermost module holding this one (this module if it is a root).</summary>
    public Module Root => ModuleRegistry.Read(this, static self =>
    {
        var m = self;
        while (m.LinkedParent is not null) m = m.LinkedParent;
        return m;
    });

    /// <summary>
    /// The random generator of this module tree, used by parameter initializers: the root's. Set it on the root
    /// (or call <see cref="Seed"/>) before the first call; by default a generator seeded with 0.
    /// </summary>
    public Generator Generator
    {
        get => generator ??= new Generator(0);
        set => generator = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Makes the next <see cref="Name"/>/<see cref="Path"/> query recompute parent links. Links are recomputed
    /// automatically whenever a module is created; call this only after pointing a field at an existing module.
    /// </summary>
    public static void RefreshPaths() => ModuleRegistry.Invalidate();

    /// <summary>Replaces this module's <see cref="Generator"/> with one seeded by <paramref name="seed"/> (call it on the root).</summary>
    public void Seed(ulong seed) => generator = new Generator(seed);

    /// <summary>The random generator initializers should use: the root's <see cref="Generator"/>.</summary>
    protected Generator Rng => Root.Generator;

    internal string BaseName => explicitName ?? DefaultName;
    internal Module? LinkedParent { get; private set; }
    internal string? LinkedName { get; private set; }

    internal void Link(Module parent, string name)
    {
        LinkedParent = parent;
        LinkedName = name;
    }

    internal void ClearLink()
    {
        LinkedParent = null;
        LinkedName = null;
    }

    /// <summary>
    /// Returns <paramref name="current"/> after checking its shape against <paramref name="shape"/>, or, when it is
    /// null, creates the parameter with <paramref name="init"/> and marks it as requiring gradients.
    /// Generated <c>GetX</c> accessors call this and store the result in the field.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The existing parameter (or the initializer's result) has another shape; the message names the parameter's path and both shapes.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected Tensor GetOrCreateParameter(Tensor? current, string name, int[] shape, Func<int[], Tensor> init)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (current is not null)
        {
            if (!current.Shape.SequenceEqual(shape))
                throw new ShapeMismatchException($"{Path}/{name}", "the parameter", current.Shape, shape, " (as created)");
            return current;
        }
        ArgumentNullException.ThrowIfNull(init);
        var created = init((int[])shape.Clone());
        if (!created.Shape.SequenceEqual(shape))
            throw new ShapeMismatchException($"{Path}/{name}", "the initializer's result", shape, created.Shape);
        if (!created.IsLeaf) created = created.Detach();
        return created.RequireGrad();
    }
}
