using Modules.Tensors;

namespace Modules;

/// <summary>
/// The state of a <see cref="DeepRnn{TFirst, TSecond}"/>: the lower core's state and the upper core's state. Paths are
/// the cores' own paths under <c>first/</c> and <c>second/</c> (e.g. <c>first/hidden</c>, <c>second/cell</c>).
/// </summary>
/// <typeparam name="TFirst">The lower core's state.</typeparam>
/// <typeparam name="TSecond">The upper core's state.</typeparam>
/// <param name="First">The lower core's state.</param>
/// <param name="Second">The upper core's state.</param>
public readonly record struct DeepRnnState<TFirst, TSecond>(TFirst First, TSecond Second) : IState<DeepRnnState<TFirst, TSecond>>
    where TFirst : struct, IState<TFirst>
    where TSecond : struct, IState<TSecond>
{
    private static readonly IReadOnlyList<string> AllPaths =
        [.. StateLists.Prefix("first", TFirst.Paths), .. StateLists.Prefix("second", TSecond.Paths)];

    /// <inheritdoc/>
    public static IReadOnlyList<string> Paths => AllPaths;

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Flatten() => [.. First.Flatten(), .. Second.Flatten()];

    /// <inheritdoc/>
    public static DeepRnnState<TFirst, TSecond> Unflatten(IReadOnlyList<Tensor> tensors)
    {
        StateLists.RequireCount(tensors, AllPaths.Count, nameof(DeepRnnState<TFirst, TSecond>));
        int split = TFirst.Paths.Count;
        return new(TFirst.Unflatten(StateLists.Slice(tensors, 0, split)),
            TSecond.Unflatten(StateLists.Slice(tensors, split, tensors.Count - split)));
    }

    /// <inheritdoc/>
    public DeepRnnState<TFirst, TSecond> Map(Func<Tensor, Tensor> f) => new(First.Map(f), Second.Map(f));

    /// <inheritdoc/>
    public static DeepRnnState<TFirst, TSecond> Zip(DeepRnnState<TFirst, TSecond> a, DeepRnnState<TFirst, TSecond> b, Func<Tensor, Tensor, Tensor> f) =>
        new(TFirst.Zip(a.First, b.First, f), TSecond.Zip(a.Second, b.Second, f));

    /// <inheritdoc/>
    public DeepRnnState<TFirst, TSecond> Detach() => Map(static t => t.Detach());

    /// <inheritdoc/>
    public string ToJson() => StateJson.Write(AllPaths, Flatten());
}
