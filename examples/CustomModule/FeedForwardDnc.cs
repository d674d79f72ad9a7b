using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace CustomModule;

/// <summary>
/// A DNC whose controller is a feed-forward layer instead of an LSTM: all its memory lives in the
/// <see cref="MemoryAccess"/>, so anything it remembers across steps it must have written there.
/// Composed from the library's parts; the runtime names and enumerates them, creates the parameters on the
/// first step and unrolls it with <see cref="DynamicRnn"/> like any other core.
/// </summary>
[Module]
public sealed partial class FeedForwardDnc : Module, IRnnCore<FeedForwardDncState>
{
    private readonly Linear controller;
    private readonly MemoryAccess access;
    private readonly Linear readout;

    /// <summary>Creates the core; parameters: <c>feed_forward_dnc/controller/{w,b}</c>, <c>.../memory_access/...</c>, <c>.../readout/{w,b}</c>.</summary>
    public FeedForwardDnc(int outputSize, int hiddenSize = 32, int memorySize = 16, int wordSize = 8, int numReads = 2,
        string? name = null) : base(name)
    {
        controller = new Linear(hiddenSize, "controller");
        access = new MemoryAccess(memorySize, wordSize, numReads, numWrites: 1);
        readout = new Linear(outputSize, "readout");
    }

    /// <summary>Input [B, in] and the previous state → output [B, outputSize] and the new state.</summary>
    public (Tensor Output, FeedForwardDncState State) Step(Tensor input, FeedForwardDncState state)
    {
        int batch = input.Dim(0);
        // h = tanh(W·[x, r_{t-1}] + b): the previous read words are the controller's only view of the past.
        var hidden = Tensor.Tanh(controller.Forward(Tensor.Concat(-1, input, state.ReadWords.Reshape(batch, -1))));
        var (readWords, accessState) = access.Step(hidden, state.Access);
        var output = readout.Forward(Tensor.Concat(-1, hidden, readWords.Reshape(batch, -1)));
        return (output, new FeedForwardDncState(readWords, accessState));
    }

    /// <summary>Zero read words [B, R, Wd] and the access module's zero state.</summary>
    public FeedForwardDncState InitialState(int batchSize) =>
        new(Tensor.Zeros(batchSize, access.NumReads, access.WordSize), access.InitialState(batchSize));
}
