namespace Modules.Dnc;

/// <summary>
/// Configuration of an <see cref="Ntm"/> core. The names and defaults shared with <see cref="DncOptions"/> are the same;
/// the shift range is fixed at {−1, 0, +1}.
/// </summary>
/// <remarks>
/// Graves et al.'s copy experiment used one read and one write head, a controller of 100 units and a 128 × 20 memory
/// (<c>HiddenSize = 100, MemorySize = 128, WordSize = 20, NumReads = 1, NumWrites = 1</c>), trained with RMSProp
/// (momentum 0.9, learning rate 1e-4) and gradients clipped to ±10. With the LSTM controller and 9 inputs (8 bits and a
/// delimiter) that core has 62,260 parameters here.
/// </remarks>
public sealed record NtmOptions : MemoryCoreOptions
{
    /// <summary>The controller network: an LSTM (the default) or a feed-forward layer.</summary>
    public NtmController Controller { get; init; } = NtmController.Lstm;

    /// <summary>The feed-forward controller's non-linearity (unused by the LSTM controller).</summary>
    public NtmActivation FeedForwardActivation { get; init; } = NtmActivation.Tanh;

    /// <summary>Throws unless every size is positive, the clip value is a number and the enums hold defined values.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        Positive(OutputSize, nameof(OutputSize));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(MemorySize, nameof(MemorySize));
        Positive(WordSize, nameof(WordSize));
        Positive(NumReads, nameof(NumReads));
        Positive(NumWrites, nameof(NumWrites));
        if (float.IsNaN(ClipValue))
            throw new ArgumentException($"NtmOptions.{nameof(ClipValue)} must be a number (≤ 0 disables clipping), got {ClipValue}", nameof(ClipValue));
        if (!Enum.IsDefined(Controller))
            throw new ArgumentException($"NtmOptions.{nameof(Controller)} must be Lstm or FeedForward, got {(int)Controller}", nameof(Controller));
        if (!Enum.IsDefined(FeedForwardActivation))
            throw new ArgumentException(
                $"NtmOptions.{nameof(FeedForwardActivation)} must be Tanh or Relu, got {(int)FeedForwardActivation}", nameof(FeedForwardActivation));
    }

    private static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentException($"NtmOptions.{name} must be positive, got {value}", name);
    }
}
