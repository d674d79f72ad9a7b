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

    /// <summary>One member of the state a generated <c>InitialState</c> builds, and the child that gives it.</summary>
    /// <param name="Member">The [State] member's C# name.</param>
    /// <param name="Child">The child field or property (escaped) whose <c>InitialState</c> gives it.</param>
    /// <param name="ChildNullable">Whether the child is declared nullable (read with <c>!</c>).</param>
    internal sealed record InitialStatePart(string Member, string Child, bool ChildNullable);

    /// <summary>A generated <c>InitialState(int)</c> composed from the children's.</summary>
    /// <param name="StateType">The [State] struct, fully qualified.</param>
    /// <param name="IsPositional">Whether it is built with its primary constructor (else with an object initializer).</param>
    /// <param name="Modifiers"><c>public</c>, or the modifiers of the user's partial declaration followed by <c>partial</c>.</param>
    /// <param name="Parameter">The batch size parameter's name.</param>
    /// <param name="Parts">One per state member, in declaration order.</param>
    internal sealed record InitialStatePlan(string StateType, bool IsPositional, string Modifiers, string Parameter, EquatableArray<InitialStatePart> Parts);

    /// <summary>Everything the emitter needs for one [Module] class.</summary>
    internal sealed record ModuleModel(TypeDeclaration Type, string DefaultName, EquatableArray<ModuleMember> Members, InitialStatePlan? InitialState);
}
