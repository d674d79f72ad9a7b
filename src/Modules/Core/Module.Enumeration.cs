using Modules.Tensors;

namespace Modules;

public abstract partial class Module
{
    /// <summary>
    /// Every parameter created so far, keyed by its full path with this module as root (<c>dnc/memory_access/read_keys/w</c>),
    /// in declaration order, depth-first; a module or tensor reachable twice is listed once (at its first path).
    /// </summary>
    /// <remarks>
    /// The list is kept and handed out again (read-only) while the module tree still yields it: each call first walks the
    /// members without allocating and compares every parameter slot, submodule and submodule name with the walk that built
    /// the list, so a training loop that asks every step allocates nothing once its parameters exist, and any change (a
    /// parameter created or assigned, a submodule added, replaced or renamed) builds a new list.
    /// </remarks>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters()
    {
        if (parameterList is { } kept && kept.Matches(this)) return kept.Parameters;
        var built = new ParameterList(this, ListParameters());
        parameterList = built;
        return built.Parameters;
    }

    /// <summary>Walks the tree for <see cref="NamedParameters"/> (apart from it, so that a kept list costs no closure).</summary>
    private IReadOnlyList<KeyValuePair<string, Tensor>> ListParameters()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Walk((owner, name, path, value) =>
        {
            if (value is not null && seen.Add(value)) result.Add(new(path, value));
        });
        return result.AsReadOnly();
    }

    /// <summary>The last list <see cref="NamedParameters"/> built, with the member walk it came from.</summary>
    private ParameterList? parameterList;

    /// <summary>The number of the last member walk that reached this module (a visited mark that needs no hash set).</summary>
    private long walkMark;

    /// <summary>The last number handed to a member walk.</summary>
    private static long lastWalk;

    /// <summary>
    /// A parameter list and the sequence of members the walk that built it met (each parameter slot's tensor or null, each
    /// submodule and the name it was offered under, depth-first, every submodule visited once): the same sequence gives the
    /// same parameters under the same paths, as long as the root's own name is the same.
    /// </summary>
    private sealed class ParameterList
    {
        private readonly string rootName;
        private readonly object?[] members;
        private readonly string?[] childNames;

        public ParameterList(Module root, IReadOnlyList<KeyValuePair<string, Tensor>> parameters)
        {
            Parameters = parameters;
            rootName = root.Name;
            var recorder = new Recorder();
            recorder.Walk(root);
            members = [.. recorder.Members];
            childNames = [.. recorder.ChildNames];
        }

        public IReadOnlyList<KeyValuePair<string, Tensor>> Parameters { get; }

        /// <summary>Whether <paramref name="root"/>'s members are still the ones this list was built from (allocates nothing).</summary>
        public bool Matches(Module root)
        {
            if (!string.Equals(root.Name, rootName, StringComparison.Ordinal)) return false;
            var check = spareChecker ?? new Checker();
            spareChecker = null;   // taken while in use
            check.Start(members, childNames);
            check.Walk(root);
            bool same = check.Matching && check.Count == members.Length;
            check.Start([], []);   // keeps no tree alive
            spareChecker = check;
            return same;
        }

        /// <summary>This thread's checker, kept between calls so that a check allocates nothing.</summary>
        [ThreadStatic] private static Checker? spareChecker;

        /// <summary>Walks a module tree depth-first in declaration order, each submodule once, reporting every member met.</summary>
        private abstract class MemberWalk : ModuleMemberVisitor
        {
            private long mark;

            public void Walk(Module root)
            {
                mark = Interlocked.Increment(ref lastWalk);
                root.walkMark = mark;
                root.VisitMembers(this);
            }

            public sealed override void Parameter(string name, Tensor? value) => Met(value ?? (object)NoTensor, null);

            public sealed override void Child(Module? module, string? name = null)
            {
                if (module is null) return;
                if (!Met(module, name) || module.walkMark == mark) return;
                module.walkMark = mark;
                module.VisitMembers(this);
            }

            /// <summary>Takes one member; false stops the walk below it.</summary>
            protected abstract bool Met(object member, string? childName);
        }

        /// <summary>Stands for a parameter slot not created yet.</summary>
        private static readonly object NoTensor = new();

        private sealed class Recorder : MemberWalk
        {
            public List<object?> Members { get; } = [];
            public List<string?> ChildNames { get; } = [];

            protected override bool Met(object member, string? childName)
            {
                Members.Add(member);
                ChildNames.Add(childName);
                return true;
            }
        }

        private sealed class Checker : MemberWalk
        {
            private object?[] members = [];
            private string?[] childNames = [];

            public int Count { get; private set; }
            public bool Matching { get; private set; }

            public void Start(object?[] expectedMembers, string?[] expectedChildNames)
            {
                members = expectedMembers;
                childNames = expectedChildNames;
                Count = 0;
                Matching = true;
            }

            protected override bool Met(object member, string? childName)
            {
                if (!Matching) return false;
                if (Count >= members.Length || !ReferenceEquals(members[Count], member) || !string.Equals(childNames[Count], childName, StringComparison.Ordinal))
                    Matching = false;
                Count++;
                return Matching;
            }
        }
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
