namespace Modules;

/// <summary>
/// Marks a <c>partial</c> record struct whose <c>Tensor</c> members (each with a <see cref="PartAttribute"/>)
/// are consecutive slices of one flat <c>[B, ParamSize]</c> vector. The generator emits <c>ParamSize</c>,
/// <c>PartSizes</c>, <c>PartNames</c>, <c>Split</c> and <c>FromParts</c>, taking the named dimensions as
/// parameters in order of first appearance.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class PartsAttribute : Attribute;
