namespace Modules;

/// <summary>
/// The state of a <see cref="DeepRnn{TFirst, TSecond}"/>: the lower core's state and the upper core's state. Paths are
/// the cores' own paths under <c>first/</c> and <c>second/</c> (e.g. <c>first/hidden</c>, <c>second/cell</c>).
/// </summary>
/// <typeparam name="TFirst">The lower core's state.</typeparam>
/// <typeparam name="TSecond">The upper core's state.</typeparam>
/// <param name="First">The lower core's state.</param>
/// <param name="Second">The upper core's state.</param>
[State]
public readonly partial record struct DeepRnnState<TFirst, TSecond>(TFirst First, TSecond Second)
    where TFirst : struct, IState<TFirst>
    where TSecond : struct, IState<TSecond>;
