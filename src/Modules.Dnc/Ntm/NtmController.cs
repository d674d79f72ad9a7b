namespace Modules.Dnc;

/// <summary>The controller network of an <see cref="Ntm"/>.</summary>
public enum NtmController
{
    /// <summary>A Sonnet-1 <see cref="Modules.Lstm"/> of <see cref="MemoryCoreOptions.HiddenSize"/> units (parameters <c>ntm/lstm/…</c>).</summary>
    Lstm,

    /// <summary>
    /// One <see cref="Linear"/> layer of <see cref="MemoryCoreOptions.HiddenSize"/> units with <see cref="NtmOptions.FeedForwardActivation"/>
    /// (parameters <c>ntm/feed_forward/{w,b}</c>); it keeps no state of its own, so memory is its only recurrence.
    /// </summary>
    FeedForward,
}
