using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>Recurrent state of the memory access module.</summary>
/// <param name="Memory">M, [B, N, Wd].</param>
/// <param name="ReadWeights">w^r, [B, R, N].</param>
/// <param name="WriteWeights">w^w, [B, W, N].</param>
/// <param name="Linkage">Link matrices and precedence weights.</param>
/// <param name="Usage">u, [B, N].</param>
[State]
public readonly partial record struct AccessState(Tensor Memory, Tensor ReadWeights, Tensor WriteWeights, LinkageState Linkage, Tensor Usage);
