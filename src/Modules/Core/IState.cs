using Modules.Tensors;

namespace Modules;

/// <summary>
/// A recurrent state tree: a struct of named tensors (and nested states). Implemented by the generator for
/// every <see cref="StateAttribute"/> record struct; the tensors are usually shaped <c>[B, ...]</c>.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface IState<TSelf> where TSelf : struct, IState<TSelf>
{
    /// <summary>The tensors in declaration order, nested states depth-first.</summary>
    IReadOnlyList<Tensor> Flatten();

    /// <summary>Rebuilds a state from tensors in <see cref="Flatten"/> order; the count must equal <see cref="Paths"/>' count.</summary>
    static abstract TSelf Unflatten(IReadOnlyList<Tensor> tensors);

    /// <summary>The path of every tensor in <see cref="Flatten"/> order, e.g. <c>access/linkage/link</c> (snake_case member names).</summary>
    static abstract IReadOnlyList<string> Paths { get; }

    /// <summary>A state of the same structure with <paramref name="f"/> applied to every tensor.</summary>
    TSelf Map(Func<Tensor, Tensor> f);

    /// <summary>A state of the same structure whose every tensor is <paramref name="f"/> of the corresponding tensors of <paramref name="a"/> and <paramref name="b"/>.</summary>
    static abstract TSelf Zip(TSelf a, TSelf b, Func<Tensor, Tensor, Tensor> f);

    /// <summary>The same values with gradient tracking cut (truncated backpropagation through time).</summary>
    TSelf Detach();

    /// <summary>A JSON snapshot: <c>{"path": {"shape": [...], "values": [...]}, ...}</c> in <see cref="Flatten"/> order.</summary>
    string ToJson();
}
