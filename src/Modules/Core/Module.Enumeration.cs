using Modules.Tensors;

namespace Modules;

public abstract partial class Module
{
    /// <summary>
    /// Every parameter created so far, keyed by its full path with this module as root (<c>dnc/memory_access/read_keys/w</c>),
    /// in declaration order, depth-first; a module or tensor reachable twice is listed once (at its first path).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Walk((owner, name, path, value) =>
        {
            if (value is not null && seen.Add(value)) result.Add(new(path, value));
        });
        return result;
    }

    /// <summary>
    /// The path of every parameter slot, created or not, in <see cref="NamedParameters"/> order (each module once):
    /// what a checkpoint must supply before the first call, and what <see cref="SetParameter"/> accepts.
    /// </summary>
    public IReadOnlyList<string> ParameterPaths()
    {
        var result = new List<string>();
        Walk((_, _, path, _) => result.Add(path));
        return result;
    }

    /// <summary>The tensors of <see cref="NamedParameters"/>, in the same order.</summary>
    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Value).ToArray();

    /// <summary>The direct submodules in declaration order, each once.</summary>
    public IReadOnlyList<Module> Children() => DirectChildren();

    /// <summary>All modules below this one (not including it), depth-first in declaration order, each once.</summary>
    public IEnumerable<Module> Submodules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance) { this };
        var result = new List<Module>();
        void Visit(Module m)
        {
            foreach (var c in m.DirectChildren())
                if (seen.Add(c)) { result.Add(c); Visit(c); }
        }
        Visit(this);
        return result;
    }

    /// <summary>Whether every parameter of this module and its submodules has been created (true for a module without parameters).</summary>
    public bool IsConnected
    {
        get
        {
            bool connected = true;
            Walk((_, _, _, value) => connected &= value is not null);
            return connected;
        }
    }

    /// <summary>
    /// Clears the gradient of every parameter with <see cref="Tensor.ClearGrad"/>: the next backward pass reuses the
    /// buffers, so gradients read before this call must not be kept.
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ClearGrad();
    }

    /// <summary>
    /// Loads <paramref name="value"/> into the parameter at <paramref name="path"/> (a key of <see cref="NamedParameters"/>).
    /// An existing parameter keeps its identity and gets the values copied (the shapes must match); a parameter not yet
    /// created takes <paramref name="value"/> itself, marked as requiring gradients, and its <c>GetX</c> then checks the shape.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No parameter slot has that path.</exception>
    /// <exception cref="ShapeMismatchException">The existing parameter has another shape.</exception>
    public void SetParameter(string path, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(value);
        bool found = false;
        Walk((owner, name, slotPath, current) =>
        {
            if (found || slotPath != path) return;
            found = true;
            if (current is not null)
            {
                if (!current.Shape.SequenceEqual(value.Shape))
                    throw new ShapeMismatchException(path, "the value", current.Shape, value.Shape, " (the parameter's shape)");
                current.CopyFrom(value);
                return;
            }
            var stored = value.IsLeaf ? value : value.Detach();
            if (!stored.RequiresGrad) stored.RequireGrad();
            owner.AssignParameter(name, stored);
        });
        if (!found) throw new KeyNotFoundException($"{Name}: no parameter at path '{path}'");
    }

    /// <summary>The direct submodules in declaration order, each once (at its first member), with unique sibling names.</summary>
    internal List<(Module Child, string Name)> NamedChildren()
    {
        var collector = new MemberCollector();
        VisitMembers(collector);
        var children = new List<Module>();
        var requested = new List<string>();
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (_, _, child, name) in collector.Members)
            if (child is not null && seen.Add(child))
            {
                children.Add(child);
                requested.Add(name ?? child.BaseName);
            }
        var names = ModuleNaming.UniqueNames(requested);
        return children.Select((c, i) => (c, names[i])).ToList();
    }

    internal List<Module> DirectChildren() => NamedChildren().ConvertAll(c => c.Child);

    /// <summary>Visits every parameter slot (created or not) depth-first with its owner, local name and full path; each module once.</summary>
    private void Walk(Action<Module, string, string, Tensor?> onSlot)
    {
        var visited = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        void Visit(Module m, string prefix)
        {
            var collector = new MemberCollector();
            m.VisitMembers(collector);
            var names = new Dictionary<Module, string>(ReferenceEqualityComparer.Instance);
            foreach (var (c, n) in m.NamedChildren()) names[c] = n;
            foreach (var (name, value, child, _) in collector.Members)
            {
                if (child is null) onSlot(m, name!, prefix + "/" + name, value);
                else if (visited.Add(child)) Visit(child, prefix + "/" + names[child]);
            }
        }
        visited.Add(this);
        Visit(this, Name);
    }

    private sealed class MemberCollector : ModuleMemberVisitor
    {
        public List<(string? Name, Tensor? Value, Module? Child, string? ChildName)> Members { get; } = [];

        public override void Parameter(string name, Tensor? value) => Members.Add((name, value, null, null));

        public override void Child(Module? module, string? name = null)
        {
            if (module is not null) Members.Add((null, null, module, name));
        }
    }
}
