namespace Modules.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Records a differentiable op whose forward pass the caller has already computed and whose backward pass
    /// the caller writes by hand: the way to fuse many small ops into one kernel.
    /// </summary>
    /// <param name="op">The op's name, for error messages.</param>
    /// <param name="output">The freshly computed result (a new tensor, not one of <paramref name="inputs"/> or a view of one).</param>
    /// <param name="inputs">The tensors <paramref name="output"/> was computed from.</param>
    /// <param name="backward">
    /// Given the gradient of the loss with respect to <paramref name="output"/>, returns one gradient per input, in order,
    /// each of that input's shape, or null for an input that needs none (check <see cref="RequiresGrad"/>). It runs
    /// with gradient recording off and may return new tensors freely; it must not modify the output gradient.
    /// </param>
    /// <returns><paramref name="output"/>, now part of the gradient computation when any input requires a gradient.</returns>
    /// <exception cref="InvalidOperationException">During backward, a returned gradient has the wrong count or shape.</exception>
    public static Tensor Custom(string op, Tensor output, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        ArgumentNullException.ThrowIfNull(backward);
        if (!output.IsLeaf) throw new ArgumentException($"{op}: the output already belongs to a gradient computation", nameof(output));
        if (Tracks(inputs)) output.Attach(new CustomNode(op, inputs, backward));
        return output;
    }

    /// <summary>
    /// Records a differentiable op with several outputs (for example a state update that yields a new memory and a new
    /// link matrix), computed by the caller, with a hand-written backward pass over all of them at once.
    /// </summary>
    /// <param name="op">The op's name, for error messages.</param>
    /// <param name="outputs">The freshly computed results.</param>
    /// <param name="inputs">The tensors the outputs were computed from.</param>
    /// <param name="backward">
    /// Given the gradient with respect to each output (null for an output the loss does not depend on), returns one
    /// gradient per input, as for <see cref="Custom(string, Tensor, Tensor[], Func{Tensor, Tensor?[]})"/>. Runs once, after
    /// every output's gradient is complete.
    /// </param>
    /// <returns><paramref name="outputs"/>, now part of the gradient computation when any input requires a gradient.</returns>
    public static Tensor[] Custom(string op, Tensor[] outputs, Tensor[] inputs, Func<Tensor?[], Tensor?[]> backward)
    {
        ArgumentNullException.ThrowIfNull(backward);
        CheckFreshOutputs(op, outputs);
        if (Tracks(inputs)) AttachJoint(outputs, new JointNode(op, inputs, backward, outputs.Length));
        return outputs;
    }

    private static void CheckFreshOutputs(string op, ReadOnlySpan<Tensor> outputs)
    {
        foreach (var output in outputs)
            if (!output.IsLeaf) throw new ArgumentException($"{op}: an output already belongs to a gradient computation", nameof(outputs));
    }

    /// <summary>
    /// A hidden one-element tensor joins the outputs: each output's node parks its gradient and marks the joint, and the
    /// joint (<paramref name="node"/>), which the topological order visits after every output, runs the backward once.
    /// </summary>
    private static void AttachJoint(ReadOnlySpan<Tensor> outputs, JointNodeBase node)
    {
        var joint = Empty(JointShape);
        joint.Attach(node);
        for (int i = 0; i < outputs.Length; i++) outputs[i].Attach(new OutputNode(joint, i));
    }

    /// <summary>
    /// <see cref="Custom(string, Tensor, Tensor[], Func{Tensor, Tensor?[]})"/> with a static <paramref name="backward"/> given the
    /// inputs, <paramref name="state"/> (what the op saved besides its inputs) and the output's gradient: the node holds the
    /// state, so recording the op makes no closure or delegate (the fused kernels record several per time step).
    /// </summary>
    internal static Tensor Custom<TState>(string op, Tensor output, Tensor[] inputs, TState state, Func<Tensor[], TState, Tensor, Tensor?[]> backward)
    {
        if (!output.IsLeaf) throw new ArgumentException($"{op}: the output already belongs to a gradient computation", nameof(output));
        if (Tracks(inputs)) output.Attach(new CustomNode<TState>(op, inputs, state, backward));
        return output;
    }

    /// <summary>
    /// <see cref="Custom(string, Tensor[], Tensor[], Func{Tensor?[], Tensor?[]})"/> with a static <paramref name="backward"/>
    /// given the inputs, <paramref name="state"/> and the outputs' gradients, and the outputs in a span (no array, closure
    /// or delegate per op).
    /// </summary>
    internal static void Custom<TState>(string op, ReadOnlySpan<Tensor> outputs, Tensor[] inputs, TState state,
        Func<Tensor[], TState, Tensor?[], Tensor?[]> backward)
    {
        CheckFreshOutputs(op, outputs);
        if (Tracks(inputs)) AttachJoint(outputs, new JointNode<TState>(op, inputs, state, backward, outputs.Length));
    }

    /// <summary>The joint's shape, shared by every joint (a tensor never changes its shape array).</summary>
    private static readonly int[] JointShape = [1];

    /// <summary>The gradient that marks a multi-output op's joint as due to run (shared and read-only; its value is unused).</summary>
    internal static readonly Tensor JointReady = Zeros(1);

    internal static void Distribute(string op, Tensor[] inputs, Tensor?[] grads)
    {
        if (grads.Length != inputs.Length)
            throw new InvalidOperationException($"{op}: backward returned {grads.Length} gradients for {inputs.Length} inputs");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads[i] is not { } g || !inputs[i].RequiresGrad) continue;
            if (!g.Shape.SequenceEqual(inputs[i].Shape))
                throw new InvalidOperationException(
                    $"{op}: backward returned a gradient of shape {ShapeUtil.Format(g.shape)} for input {i} of shape {ShapeUtil.Format(inputs[i].shape)}");
            inputs[i].AccumulateGrad(g);
        }
    }
}
