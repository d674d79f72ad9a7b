namespace Modules;

/// <summary>
/// Marks a <c>Tensor?</c> field of a <see cref="ModuleAttribute"/> class as a trainable parameter. For a field
/// <c>w</c> the generator emits <c>private Tensor GetW(int[] shape, Func&lt;int[], Tensor&gt; init)</c>, which
/// creates the parameter on the first call and checks the shape on every later call. The parameter's name in
/// paths is the field name in snake_case (<c>wGates</c> and <c>_wGates</c> become <c>w_gates</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class ParamAttribute : Attribute;
