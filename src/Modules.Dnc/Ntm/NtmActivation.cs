namespace Modules.Dnc;

/// <summary>The non-linearity of the feed-forward controller of an <see cref="Ntm"/>.</summary>
public enum NtmActivation
{
    /// <summary>tanh, bounded to (−1, 1).</summary>
    Tanh,

    /// <summary>max(x, 0).</summary>
    Relu,
}
