namespace Modules.Generators.Model
{
    /// <summary>Where and how to re-declare a partial type: namespace, enclosing type headers, own header.</summary>
    /// <param name="Namespace">The containing namespace, empty for the global namespace.</param>
    /// <param name="ContainingTypes">Headers of enclosing types, outermost first (<c>partial class Outer</c>).</param>
    /// <param name="Header">This type's header without base list (<c>partial class Linear</c>).</param>
    /// <param name="Name">The type's name with type parameters as written in C# (<c>Linear</c>, <c>Box&lt;T&gt;</c>).</param>
    /// <param name="SimpleName">The type's name without type parameters, for messages.</param>
    /// <param name="HintName">The generated file's hint name stem: <c>Namespace.Outer.Type</c>.</param>
    internal sealed record TypeDeclaration(
        string Namespace,
        EquatableArray<string> ContainingTypes,
        string Header,
        string Name,
        string SimpleName,
        string HintName);
}
