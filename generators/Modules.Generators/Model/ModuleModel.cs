namespace Modules.Generators.Model
{
    /// <summary>What a member of a [Module] class contributes.</summary>
    internal enum ModuleMemberKind
    {
        /// <summary>A [Param] Tensor? field.</summary>
        Parameter,

        /// <summary>A field or auto-property of a Module type.</summary>
        Child,

        /// <summary>An array or list of a Module type.</summary>
        Children,

        /// <summary>A dictionary of modules, or a nested collection of them: elements are named by their keys and indices.</summary>
        Elements,
    }

    /// <summary>One parameter or submodule member, in declaration order.</summary>
    /// <param name="Kind">What the member is.</param>
    /// <param name="Access">The C# identifier to read it with (escaped if a keyword).</param>
    /// <param name="PathName">For parameters and elements: the snake_case name used in paths.</param>
    /// <param name="AccessorName">For parameters: the generated accessor's name (<c>GetW</c>).</param>
    /// <param name="Levels">For elements: one letter per level from the outside in, <c>s</c> sequence, <c>m</c> dictionary.</param>
    internal sealed record ModuleMember(ModuleMemberKind Kind, string Access, string PathName, string AccessorName, string Levels = "");

    /// <summary>Everything the emitter needs for one [Module] class.</summary>
    internal sealed record ModuleModel(TypeDeclaration Type, string DefaultName, EquatableArray<ModuleMember> Members);
}
