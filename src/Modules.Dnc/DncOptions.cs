namespace Modules.Dnc;

/// <summary>Configuration of a <see cref="Dnc"/> core (DeepMind's defaults for repeat copy).</summary>
public sealed record DncOptions : MemoryCoreOptions;
