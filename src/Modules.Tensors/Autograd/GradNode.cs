using System.Runtime.CompilerServices;

namespace Modules.Tensors;

/// <summary>
/// The gradient state of a tensor that takes part in a gradient computation: its <see cref="GradNode"/> when an op computed
/// it, a <see cref="LeafGrad"/> when it is a leaf; kept out of <see cref="Tensor"/> itself, which most tensors make no use of.
/// </summary>
/// <param name="isNode">Whether this is a <see cref="GradNode"/> (cheaper to test than the type).</param>
internal abstract class GradRecord(bool isNode)
{
    /// <summary>Whether this is a <see cref="GradNode"/>.</summary>
    public readonly bool IsNode = isNode;

    /// <summary>The tensor's <see cref="Tensor.RequiresGrad"/> (always true for a node).</summary>
    public bool RequiresGrad = true;

    /// <summary>The tensor's accumulated gradient (<see cref="Tensor.Grad"/>).</summary>
    public Tensor? Grad;

    /// <summary>Whether <see cref="Grad"/> is the tensor's own buffer (safe to update in place).</summary>
    public bool OwnsGrad;
}

/// <summary>A leaf's gradient state; made when the leaf is marked with <see cref="Tensor.RequireGrad"/> or given a gradient.</summary>
internal sealed class LeafGrad() : GradRecord(false)
{
    /// <summary>A buffer kept by <see cref="Tensor.ClearGrad"/> for the leaf's next gradient (same shape), or null.</summary>
    public Tensor? Spare;
}

/// <summary>One recorded op: its inputs and how to push the output's gradient back to them.</summary>
internal abstract class GradNode : GradRecord
{
    /// <summary>The op's one input (a <see cref="Tensor"/>, no array for the most common case) or its inputs (a <c>Tensor[]</c>).</summary>
    private readonly object inputs;

    /// <summary>A node of an op on several inputs.</summary>
    /// <param name="inputs">The op's tensor inputs.</param>
    protected GradNode(Tensor[] inputs) : base(true) => this.inputs = inputs;

    /// <summary>A node of an op on one input.</summary>
    /// <param name="input">The op's tensor input.</param>
    protected GradNode(Tensor input) : base(true) => inputs = input;

    /// <summary>
    /// The op's name, for error messages: kept by the nodes whose op is named by their caller, a constant or the joint's for
    /// the others (a training step records thousands of nodes, the outputs of multi-output ops among them, each a field less).
    /// </summary>
    public abstract string Op { get; }

    /// <summary>How many inputs the op has.</summary>
    public int InputCount => inputs is Tensor ? 1 : Unsafe.As<Tensor[]>(inputs).Length;

    /// <summary>Input <paramref name="index"/> of the op.</summary>
    public Tensor Input(int index) => inputs is Tensor single ? single : Unsafe.As<Tensor[]>(inputs)[index];

    /// <summary>The op's inputs as the array it was recorded with (nodes made with one).</summary>
    protected Tensor[] Inputs => (Tensor[])inputs;

    /// <summary>The number of the last topological sort that reached this node's tensor (cheaper than a hash set of visited tensors).</summary>
    public long VisitMark;

    /// <summary>Given the gradient of the output, accumulates gradients into the inputs via <see cref="Tensor.AccumulateGrad(Tensor)"/>.</summary>
    public abstract void Backward(Tensor grad);
}

/// <summary>
/// A node of an engine op with one input, whose gradient a static <paramref name="kernel"/> computes into the input's
/// gradient buffer from the output's gradient and <paramref name="state"/> (what the op saved): no closure, delegate or
/// second object per op, which a training step would otherwise make for every op it records.
/// </summary>
internal sealed class KernelNode<TState>(string op, Tensor input, TState state, GradKernel<(Tensor Grad, TState State)> kernel)
    : GradNode(input)
{
    public override string Op { get; } = op;

    public override void Backward(Tensor grad) => Input(0).AccumulateGrad((grad, state), kernel);
}

/// <summary>
/// A node of an engine op on two inputs whose backward is a static function of both, the output's gradient and
/// <paramref name="state"/>: no closure or delegate per op (the binary arithmetic of a loss, every step).
/// </summary>
internal sealed class BinaryNode<TState>(string op, Tensor a, Tensor b, TState state, Action<Tensor, Tensor, Tensor, TState> backward)
    : GradNode([a, b])
{
    public override string Op { get; } = op;

    public override void Backward(Tensor grad) => backward(Input(0), Input(1), grad, state);
}

/// <summary>A view's node (<see cref="Tensor.Reshape"/>, <see cref="Tensor.Squeeze"/>, ...): the gradient goes back under the input's shape.</summary>
internal sealed class ViewNode(Tensor input) : GradNode(input)
{
    public override string Op => "Reshape";

    public override void Backward(Tensor grad) => Input(0).AccumulateGrad(grad.ViewAs(Input(0)));
}

/// <summary>A node whose backward is a closure over the op's operands (the engine's own ops).</summary>
internal sealed class ActionNode : GradNode
{
    private readonly Action<Tensor> backward;

    public ActionNode(string op, Tensor[] inputs, Action<Tensor> backward) : base(inputs) => (Op, this.backward) = (op, backward);

    public ActionNode(string op, Tensor input, Action<Tensor> backward) : base(input) => (Op, this.backward) = (op, backward);

    public override string Op { get; }

    public override void Backward(Tensor grad) => backward(grad);
}

/// <summary>A custom op's node: runs the caller's backward and hands each input its gradient (no wrapping closure per op).</summary>
internal sealed class CustomNode(string op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward) : GradNode(inputs)
{
    public override string Op { get; } = op;

    public override void Backward(Tensor grad) => Tensor.Distribute(Op, Inputs, backward(grad));
}

/// <summary>
/// A custom op's node whose backward is a static function of the op's inputs, <paramref name="state"/> (what the op saved
/// besides its inputs) and the output's gradient: no closure or delegate per op (the compiler caches a static lambda's).
/// </summary>
internal sealed class CustomNode<TState>(string op, Tensor[] inputs, TState state, Func<Tensor[], TState, Tensor, Tensor?[]> backward)
    : GradNode(inputs)
{
    public override string Op { get; } = op;

    public override void Backward(Tensor grad) => Tensor.Distribute(Op, Inputs, backward(Inputs, state, grad));
}

/// <summary>
/// The hidden one-element joint of a multi-output custom op: every output's node parks its gradient here, and the joint,
/// which the topological order visits after every output, runs the caller's backward once.
/// </summary>
internal sealed class JointNode(string op, Tensor[] inputs, Func<Tensor?[], Tensor?[]> backward, int outputs) : JointNodeBase(op, inputs, outputs)
{
    protected override Tensor?[] Run(Tensor?[] outputGrads) => backward(outputGrads);
}

/// <summary>A multi-output custom op's joint whose backward is a static function of the inputs, a state and the outputs' gradients (see <see cref="CustomNode{TState}"/>).</summary>
internal sealed class JointNode<TState>(string op, Tensor[] inputs, TState state, Func<Tensor[], TState, Tensor?[], Tensor?[]> backward, int outputs)
    : JointNodeBase(op, inputs, outputs)
{
    protected override Tensor?[] Run(Tensor?[] outputGrads) => backward(Inputs, state, outputGrads);
}

/// <summary>What the joints of multi-output custom ops share: the parked gradients and the run once every output has parked.</summary>
internal abstract class JointNodeBase(string op, Tensor[] inputs, int outputs) : GradNode(inputs)
{
    public override string Op { get; } = op;

    /// <summary>
    /// The outputs' gradients, null for an output the loss does not depend on; an array of the backward pass's arena, taken
    /// when the first output parks its gradient and dropped when the joint has run or the pass ends (<see cref="Drop"/>),
    /// so recording the op makes none.
    /// </summary>
    private Tensor?[]? outputGrads;

    /// <summary>Parks output <paramref name="index"/>'s complete gradient for the joint's run.</summary>
    public void Park(int index, Tensor grad) => (outputGrads ??= Tensor.GradientSlots(outputs))[index] = grad;

    /// <summary>Forgets the parked gradients (their array goes back to the arena when the pass ends).</summary>
    public void Drop() => outputGrads = null;

    public override void Backward(Tensor grad)
    {
        // The parked gradients go to the caller's backward as they are and are dropped after it ran (a second backward
        // pass over the graph parks its own).
        try { Tensor.Distribute(Op, Inputs, Run(outputGrads ?? Tensor.GradientSlots(outputs))); }
        finally { Drop(); }
    }

    /// <summary>The caller's backward: the inputs' gradients from the outputs' (null for an output the loss does not depend on).</summary>
    protected abstract Tensor?[] Run(Tensor?[] outputGrads);
}

/// <summary>One output of a multi-output custom op; its single input is the joint.</summary>
internal sealed class OutputNode(Tensor joint, int index) : GradNode(joint)
{
    public override string Op => Input(0).Node!.Op;   // the joint's: one field less on every output

    public override void Backward(Tensor grad)
    {
        var jointTensor = Input(0);
        ((JointNodeBase)jointTensor.Node!).Park(index, grad);   // complete: the order visits an output once, after everything that uses it
        if (jointTensor.Grad is null) jointTensor.AccumulateGrad(Tensor.JointReady);   // only marks the joint as due; never written
    }
}
