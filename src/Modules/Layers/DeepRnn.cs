using Modules.Tensors;

namespace Modules;

/// <summary>
/// Stacks two recurrent cores as Sonnet 1's <c>DeepRNN</c> does. With skip connections (the default) the upper core
/// sees <c>[x, out₁]</c> and the output is <c>[out₁, out₂]</c> (concatenated along the last axis); without them the
/// upper core sees <c>out₁</c> and the output is <c>out₂</c>. Deeper stacks nest: <c>DeepRnn(DeepRnn(a, b), c)</c>
/// (with skip connections the top core then sees the input and both lower outputs). Both cores must be modules; they
/// become its submodules, so their parameters appear under <c>deep_rnn/…</c>.
/// </summary>
/// <typeparam name="TFirst">The lower core's state.</typeparam>
/// <typeparam name="TSecond">The upper core's state.</typeparam>
[Module]
public sealed partial class DeepRnn<TFirst, TSecond> : Module, IRnnCore<DeepRnnState<TFirst, TSecond>>
    where TFirst : struct, IState<TFirst>
    where TSecond : struct, IState<TSecond>
{
    private readonly Module first;
    private readonly Module second;

    /// <summary>Stacks <paramref name="firstCore"/> below <paramref name="secondCore"/>.</summary>
    /// <param name="firstCore">The lower core, a <see cref="Module"/>.</param>
    /// <param name="secondCore">The upper core, a <see cref="Module"/>.</param>
    /// <param name="skipConnections">Feed the input to the upper core too and output both cores' outputs.</param>
    /// <param name="name">The module's name; by default <c>deep_rnn</c>.</param>
    public DeepRnn(IRnnCore<TFirst> firstCore, IRnnCore<TSecond> secondCore, bool skipConnections = true, string? name = null) : base(name)
    {
        first = firstCore as Module ?? throw new ArgumentException("DeepRnn: the first core must be a Module", nameof(firstCore));
        second = secondCore as Module ?? throw new ArgumentException("DeepRnn: the second core must be a Module", nameof(secondCore));
        FirstCore = firstCore;
        SecondCore = secondCore;
        SkipConnections = skipConnections;
    }

    /// <summary>The lower core.</summary>
    public IRnnCore<TFirst> FirstCore { get; }

    /// <summary>The upper core.</summary>
    public IRnnCore<TSecond> SecondCore { get; }

    /// <summary>Whether the input skips to the upper core and both outputs are concatenated.</summary>
    public bool SkipConnections { get; }

    /// <summary>One step of both cores: <paramref name="input"/> <c>[B, in]</c>; the output is <c>[B, out₁ + out₂]</c> with skip connections, else <c>[B, out₂]</c>.</summary>
    public (Tensor Output, DeepRnnState<TFirst, TSecond> State) Step(Tensor input, DeepRnnState<TFirst, TSecond> state)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (lowerOutput, lowerState) = FirstCore.Step(input, state.First);
        var upperInput = SkipConnections ? ConcatLast(input, lowerOutput) : lowerOutput;
        var (upperOutput, upperState) = SecondCore.Step(upperInput, state.Second);
        var output = SkipConnections ? ConcatLast(lowerOutput, upperOutput) : upperOutput;
        return (output, new DeepRnnState<TFirst, TSecond>(lowerState, upperState));
    }

    /// <summary>Both cores' initial states for <paramref name="batchSize"/> sequences.</summary>
    public DeepRnnState<TFirst, TSecond> InitialState(int batchSize) =>
        new(FirstCore.InitialState(batchSize), SecondCore.InitialState(batchSize));

    private Tensor ConcatLast(Tensor a, Tensor b)
    {
        if (a.Rank != b.Rank || a.Dim(0) != b.Dim(0))
            throw new ShapeMismatchException(Path, a.Shape, b.Shape, "cannot be concatenated along the last axis");
        return Tensor.Concat(a.Rank - 1, a, b);
    }
}

/// <summary>Creates <see cref="DeepRnn{TFirst, TSecond}"/> stacks with the state types inferred.</summary>
public static class DeepRnn
{
    /// <summary>Stacks <paramref name="firstCore"/> below <paramref name="secondCore"/>; see <see cref="DeepRnn{TFirst, TSecond}"/>.</summary>
    /// <param name="firstCore">The lower core, a <see cref="Module"/>.</param>
    /// <param name="secondCore">The upper core, a <see cref="Module"/>.</param>
    /// <param name="skipConnections">Feed the input to the upper core too and output both cores' outputs.</param>
    /// <param name="name">The module's name; by default <c>deep_rnn</c>.</param>
    public static DeepRnn<TFirst, TSecond> Create<TFirst, TSecond>(IRnnCore<TFirst> firstCore, IRnnCore<TSecond> secondCore,
        bool skipConnections = true, string? name = null)
        where TFirst : struct, IState<TFirst>
        where TSecond : struct, IState<TSecond> =>
        new(firstCore, secondCore, skipConnections, name);
}
