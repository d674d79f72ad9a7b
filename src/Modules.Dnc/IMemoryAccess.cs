using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// The memory half of a memory core: a recurrent core that takes the controller's output [B, H] each step, reads and
/// writes its memory, and returns the read words [B, R, Wd] that the core feeds to its output layer and, next step,
/// back to the controller. <see cref="MemoryAccess"/> (the DNC's), the NTM's heads and the sparse access of SAM and SDNC
/// implement it; <see cref="MemoryCore{TController, TAccess}"/> turns any implementation into a complete core.
/// </summary>
/// <typeparam name="TState">The access's recurrent state (memory, weights, …).</typeparam>
public interface IMemoryAccess<TState> : IRnnCore<TState> where TState : struct, IState<TState>
{
    /// <summary>R, the number of read heads.</summary>
    int NumReads { get; }

    /// <summary>Wd, the size of a memory word.</summary>
    int WordSize { get; }

    /// <summary>The read words the controller sees before the first step, [B, R, Wd] (zeros for the DNC).</summary>
    Tensor InitialReadWords(int batchSize);

    /// <summary>When set, called after every step with what the step did (detached tensors), for visualisation.</summary>
    Action<MemoryTrace>? Trace { get; set; }
}
