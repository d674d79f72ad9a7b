using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Recurrent state of an <see cref="Ntm"/>. Paths: <c>controller/hidden</c>, <c>controller/cell</c>, <c>memory</c>,
/// <c>read_weights</c>, <c>write_weights</c>, <c>read_words</c>.
/// </summary>
/// <param name="Controller">The LSTM's h and c, [B, H] each; the feed-forward controller leaves them as they are (zeros).</param>
/// <param name="Memory">M, [B, N, Wd].</param>
/// <param name="ReadWeights">The read heads' previous weights, [B, R, N]; each row sums to 1.</param>
/// <param name="WriteWeights">The write heads' previous weights, [B, W, N]; each row sums to 1.</param>
/// <param name="ReadWords">The previous read words, [B, R, Wd], fed back to the controller.</param>
[State]
public readonly partial record struct NtmState(LstmState Controller, Tensor Memory, Tensor ReadWeights, Tensor WriteWeights, Tensor ReadWords);
