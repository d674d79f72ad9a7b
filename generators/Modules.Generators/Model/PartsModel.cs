namespace Modules.Generators.Model
{
    /// <summary>One part of a [Parts] struct.</summary>
    /// <param name="Name">The member's C# name.</param>
    /// <param name="PartName">Its snake_case name.</param>
    /// <param name="Dims">Its dimensions after the batch dimension: parameter names or integer literals.</param>
    internal sealed record PartMember(string Name, string PartName, EquatableArray<string> Dims);

    /// <summary>Everything the emitter needs for one [Parts] struct.</summary>
    /// <param name="Type">The declaration.</param>
    /// <param name="IsPositional">Whether instances are built with the primary constructor.</param>
    /// <param name="Parts">The parts in declaration order.</param>
    /// <param name="DimParameters">The named dimensions in order of first appearance.</param>
    internal sealed record PartsModel(TypeDeclaration Type, bool IsPositional, EquatableArray<PartMember> Parts, EquatableArray<string> DimParameters);
}
