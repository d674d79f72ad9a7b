namespace Modules.Dnc;

/// <summary>Configuration of a <see cref="Dnc"/> core (DeepMind's defaults for repeat copy).</summary>
public sealed record DncOptions : MemoryCoreOptions
{
    /// <summary>
    /// Whether the read heads look memory up with masked content addressing (Csordás &amp; Schmidhuber 2019): each key
    /// masks the word, key and rows alike, before the cosine similarity; adds the parameters <c>read_content_weights/mask_w</c>
    /// [Wd, Wd] and <c>mask_b</c> [Wd]. Unlike that paper, the mask σ(k·mask_w + mask_b) is computed from the key rather
    /// than emitted by the controller as another interface field (the interface stays DeepMind's); zero-initialised, it
    /// starts as the plain lookup. Off by default (DeepMind's lookup).
    /// </summary>
    public bool KeyMask { get; init; }

    /// <summary>
    /// Whether the read heads look up and read the memory before the step's write (<see cref="MemoryAccess.ReadBeforeWrite"/>);
    /// not DeepMind's order, which writes and then reads. No parameters change. Off by default.
    /// </summary>
    public bool ReadBeforeWrite { get; init; }
}
