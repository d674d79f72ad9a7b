using Modules.Tensors;

namespace Modules.Dnc;

/// <summary>
/// Recurrent state of a <see cref="Dnc"/> (LSTM controller). The same tensors and paths as
/// <c>DncState&lt;LstmState&gt;</c>, to and from which it converts implicitly (sharing the tensors).
/// </summary>
/// <param name="AccessOutput">The previous read words, [B, R, Wd].</param>
/// <param name="Access">Memory, read and write weights, linkage and usage.</param>
/// <param name="Controller">The LSTM's h and c, [B, H] each.</param>
[State]
public readonly partial record struct DncState(Tensor AccessOutput, AccessState Access, LstmState Controller)
{
    /// <summary>The same tensors as the state of a <c>Dnc&lt;LstmState&gt;</c>.</summary>
    public static implicit operator DncState<LstmState>(DncState state) => new(state.AccessOutput, state.Access, state.Controller);

    /// <summary>The same tensors as the state of a <see cref="Dnc"/>.</summary>
    public static implicit operator DncState(DncState<LstmState> state) => new(state.AccessOutput, state.Access, state.Controller);

    /// <summary>The same tensors as the state of a <c>Dnc&lt;LstmState&gt;</c> (what the implicit conversion does).</summary>
    public DncState<LstmState> ToGeneric() => this;

    /// <summary>The same tensors as the state of a <see cref="Dnc"/> (what the implicit conversion does).</summary>
    public static DncState FromGeneric(DncState<LstmState> state) => state;
}
