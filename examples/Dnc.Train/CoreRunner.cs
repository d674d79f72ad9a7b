using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain;

/// <summary>
/// <see cref="IModelRunner"/> over any <see cref="Module"/> that is an <see cref="IRnnCore{TState}"/>: unrolls with
/// <see cref="DynamicRnn"/> and records memory through a hook the caller supplies.
/// </summary>
/// <typeparam name="TState">The core's state.</typeparam>
public sealed class CoreRunner<TState> : IModelRunner where TState : struct, IState<TState>
{
    private readonly IRnnCore<TState> core;
    private readonly Func<EpisodeTrace, Action> attachTrace;

    /// <summary>Wraps <paramref name="core"/>.</summary>
    /// <param name="name">The <c>--model</c> name.</param>
    /// <param name="module">The core as a module (the same object as <paramref name="core"/>).</param>
    /// <param name="core">The core as a recurrent core.</param>
    /// <param name="attachTrace">Installs a hook that records each step into the given trace and returns the action that removes it.</param>
    public CoreRunner(string name, Module module, IRnnCore<TState> core, Func<EpisodeTrace, Action> attachTrace)
    {
        Name = name;
        Module = module;
        this.core = core;
        this.attachTrace = attachTrace;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public Module Module { get; }

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters() => Module.NamedParameters();

    /// <inheritdoc/>
    public Tensor Unroll(Tensor observations) => DynamicRnn.Unroll(core, observations).Outputs;

    /// <inheritdoc/>
    public Tensor Unroll(Tensor observations, EpisodeTrace trace)
    {
        var detach = attachTrace(trace);
        try
        {
            return Unroll(observations);
        }
        finally
        {
            detach();
        }
    }
}

/// <summary>Builds <see cref="CoreRunner{TState}"/>s with the state type inferred.</summary>
public static class CoreRunner
{
    /// <summary>A runner for <paramref name="core"/> with a custom trace hook (see <see cref="CoreRunner{TState}"/>).</summary>
    public static CoreRunner<TState> Create<TState>(string name, Module module, IRnnCore<TState> core, Func<EpisodeTrace, Action> attachTrace)
        where TState : struct, IState<TState> => new(name, module, core, attachTrace);

    /// <summary>
    /// A runner for a core that reports <see cref="MemoryTrace"/>s through an <c>Action&lt;MemoryTrace&gt;? Trace</c>
    /// property (the contract of every memory core): <paramref name="setTrace"/> assigns that property.
    /// </summary>
    public static CoreRunner<TState> WithTraceProperty<TState>(string name, Module module, IRnnCore<TState> core, Action<Action<MemoryTrace>?> setTrace)
        where TState : struct, IState<TState> =>
        new(name, module, core, trace =>
        {
            setTrace(trace.Add);
            return () => setTrace(null);
        });
}
