using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace CustomModule;

/// <summary>Recurrent state of a <see cref="FeedForwardDnc"/>: only the memory's, since the controller keeps none.</summary>
/// <param name="ReadWords">The previous step's read words, [B, R, Wd].</param>
/// <param name="Access">Memory, read and write weights, linkage and usage.</param>
[State]
public readonly partial record struct FeedForwardDncState(Tensor ReadWords, AccessState Access);
