namespace Modules;

/// <summary>
/// A module with a single forward computation, so that generic utilities (such as <c>BatchApply</c>)
/// can take any module of that shape.
/// </summary>
/// <typeparam name="TInput">What <see cref="Forward"/> takes, usually a <c>Tensor</c> <c>[B, ...]</c>.</typeparam>
/// <typeparam name="TOutput">What <see cref="Forward"/> returns.</typeparam>
public interface IModule<in TInput, out TOutput>
{
    /// <summary>Connects the module to <paramref name="input"/>, creating parameters on the first call.</summary>
    TOutput Forward(TInput input);
}
