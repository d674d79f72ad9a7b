namespace Modules.Generators.Model
{
    /// <summary>One member of a [State] struct.</summary>
    /// <param name="Name">The member's C# name.</param>
    /// <param name="PathName">Its snake_case path segment.</param>
    /// <param name="NestedStateType">For a nested state: its fully qualified type; null for a Tensor.</param>
    internal sealed record StateMember(string Name, string PathName, string? NestedStateType);

    /// <summary>Everything the emitter needs for one [State] struct.</summary>
    /// <param name="Type">The declaration.</param>
    /// <param name="IsPositional">Whether instances are built with the primary constructor (else with an object initializer).</param>
    /// <param name="Members">The members in declaration order.</param>
    internal sealed record StateModel(TypeDeclaration Type, bool IsPositional, EquatableArray<StateMember> Members);
}
