namespace Modules;

/// <summary>
/// Marks a <c>partial</c> record struct whose members are <c>Tensor</c>s or other <see cref="StateAttribute"/>
/// structs as a recurrent state tree; the generator implements <see cref="IState{TSelf}"/> for it.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class StateAttribute : Attribute;
