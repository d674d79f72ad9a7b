using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>Recurrent state of the <see cref="Freeness"/> core.</summary>
/// <param name="Usage">u, [B, N], in [0, 1].</param>
[State]
public readonly partial record struct FreenessState(Tensor Usage);
