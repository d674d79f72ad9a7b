namespace Modules;

/// <summary>
/// Marks a <c>partial</c> class deriving from <see cref="Module"/> for the source generator, which emits its
/// default name, the enumeration of its parameters and submodules, and a <c>GetX(shape, init)</c> accessor
/// for every <see cref="ParamAttribute"/> field.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ModuleAttribute : Attribute;
