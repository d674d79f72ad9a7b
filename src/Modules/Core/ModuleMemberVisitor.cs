using Modules.Tensors;

namespace Modules;

/// <summary>
/// Receives a module's own parameters and direct submodules in declaration order. Generated
/// <see cref="Module.VisitMembers"/> overrides call it; user code does not need it.
/// </summary>
public abstract class ModuleMemberVisitor
{
    /// <summary>A parameter slot: its snake_case <paramref name="name"/> and its tensor, null until created.</summary>
    public abstract void Parameter(string name, Tensor? value);

    /// <summary>A submodule field (or one element of a submodule array/list); null entries are skipped by callers.</summary>
    public abstract void Child(Module? module);

    /// <summary>Every element of a submodule array or list field, in order.</summary>
    public void Children<TModule>(IEnumerable<TModule?>? modules) where TModule : Module
    {
        if (modules is null) return;
        foreach (var m in modules) Child(m);
    }
}
