using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Recurrent state of a <see cref="Dnc{TControllerState}"/>. Paths: <c>access_output</c>, <c>access/…</c>, then the
/// controller's own paths under <c>controller/</c> (e.g. <c>controller/first/hidden</c> for a
/// <see cref="DeepRnn{TFirst, TSecond}"/>).
/// </summary>
/// <typeparam name="TControllerState">The controller's state.</typeparam>
/// <param name="AccessOutput">The previous read words, [B, R, Wd].</param>
/// <param name="Access">Memory, read and write weights, linkage and usage.</param>
/// <param name="Controller">The controller's state.</param>
[State]
public readonly partial record struct DncState<TControllerState>(Tensor AccessOutput, AccessState Access, TControllerState Controller)
    where TControllerState : struct, IState<TControllerState>;
