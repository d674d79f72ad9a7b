namespace Modules;

/// <summary>
/// Declares the per-example shape of one member of a <see cref="PartsAttribute"/> struct: each dimension is
/// either a name (which becomes an <c>int</c> parameter of the generated methods) or a positive integer literal.
/// <c>[Part("reads", "word")]</c> is a part shaped <c>[B, reads, word]</c>; <c>[Part]</c> is shaped <c>[B]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class PartAttribute : Attribute
{
    /// <summary>Declares a part with the given dimensions (names or integer literals), outermost first.</summary>
    public PartAttribute(params string[] dims) => Dims = dims;

    /// <summary>The dimensions after the batch dimension, outermost first.</summary>
    public IReadOnlyList<string> Dims { get; }
}
