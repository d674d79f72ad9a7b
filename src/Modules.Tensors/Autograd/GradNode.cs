namespace Modules.Tensors;

/// <summary>One recorded op: its inputs and how to push the output's gradient back to them.</summary>
/// <param name="Op">The op's name, for error messages.</param>
/// <param name="Inputs">The op's tensor inputs.</param>
/// <param name="Backward">Given the gradient of the output, accumulates gradients into the inputs via <see cref="Tensor.AccumulateGrad"/>.</param>
internal sealed record GradNode(string Op, Tensor[] Inputs, Action<Tensor> Backward)
{
    /// <summary>The number of the last topological sort that reached this node's tensor (cheaper than a hash set of visited tensors).</summary>
    public long VisitMark;
}
