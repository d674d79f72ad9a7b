using Modules.Dnc.Addressing;
using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Content-based addressing as a module (DeepMind's <c>CosineWeights</c>): cosine similarity of keys with
/// memory rows, sharpened by softplus(strength), softmax over the N rows. No parameters.
/// </summary>
[Module]
public sealed partial class ContentAddressing : Module
{
    /// <summary>Creates the module; <paramref name="name"/> defaults to <c>content_addressing</c>.</summary>
    public ContentAddressing(string? name = null) : base(name)
    {
    }

    /// <summary>Memory [B, N, Wd], keys [B, H, Wd], strengths [B, H] (before softplus) → weights [B, H, N].</summary>
    public Tensor Forward(Tensor memory, Tensor keys, Tensor strengths) => CosineWeights.Compute(memory, keys, strengths);
}
