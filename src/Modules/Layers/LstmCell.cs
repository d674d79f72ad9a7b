using System.Numerics.Tensors;
using Modules.Tensors;
using Tensor = Modules.Tensors.Tensor;

namespace Modules;

/// <summary>
/// One step of Sonnet 1's LSTM as a single differentiable op (the kernel behind <see cref="Lstm"/>): the gates
/// <c>[x, h]·w + b</c> (one matrix product over the concatenated input and hidden state), gate order
/// <c>i, j, f, o</c>, then <c>c' = σ(f + forget_bias)·c + σ(i)·tanh(j)</c> and <c>h' = σ(o)·tanh(c')</c>, with a
/// hand-written backward pass instead of the dozen element-wise nodes the composition records.
/// </summary>
public static class LstmCell
{
    /// <summary>
    /// Applies the cell: <paramref name="input"/> <c>[B, in]</c>, <paramref name="hidden"/> and <paramref name="cell"/>
    /// <c>[B, H]</c>, <paramref name="wGates"/> <c>[in + H, 4H]</c> (rows: input features, then hidden units),
    /// <paramref name="bGates"/> <c>[4H]</c>. Returns the new hidden state (the output) and cell, both <c>[B, H]</c>.
    /// With <paramref name="clip"/> &gt; 0 both are then limited to <c>[−clip, clip]</c> as <see cref="Tensor.Clamp"/>
    /// would (the DNC's controller clipping; h' is computed from the unclipped c').
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit.</exception>
    public static (Tensor Hidden, Tensor Cell) Apply(Tensor input, Tensor hidden, Tensor cell, Tensor wGates, Tensor bGates, float forgetBias,
        float clip = 0f)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(wGates);
        ArgumentNullException.ThrowIfNull(bGates);
        const string op = "LstmCell";
        if (input.Rank != 2 || hidden.Rank != 2 || hidden.Dim(0) != input.Dim(0))
            throw new ShapeMismatchException(op, input.Shape, hidden.Shape, "need input [B, in] and hidden [B, H]");
        int batch = input.Dim(0), inputs = input.Dim(1), units = hidden.Dim(1), joint = inputs + units;
        if (!cell.Shape.SequenceEqual(hidden.Shape))
            throw new ShapeMismatchException(op, hidden.Shape, cell.Shape, "need hidden and cell of the same shape [B, H]");
        if (wGates.Rank != 2 || wGates.Dim(0) != joint || wGates.Dim(1) != 4 * units)
            throw new ShapeMismatchException(op, input.Shape, wGates.Shape, $"need w_gates [{joint}, {4 * units}] for input [B, {inputs}] and H = {units}");
        if (bGates.Rank != 1 || bGates.Dim(0) != 4 * units)
            throw new ShapeMismatchException(op, wGates.Shape, bGates.Shape, $"need b_gates [{4 * units}]");

        // [x, h] row by row, kept for the weight gradient.
        var xh = Tensor.Allocate(batch, joint);
        var joined = xh.Data;
        var xv = input.Values; var hv = hidden.Values;
        for (int r = 0; r < batch; r++)
        {
            xv.Slice(r * inputs, inputs).CopyTo(joined.Slice(r * joint, inputs));
            hv.Slice(r * units, units).CopyTo(joined.Slice(r * joint + inputs, units));
        }
        Tensor gates;
        using (Tensor.NoGrad()) gates = Tensor.MatMul(xh, wGates);   // [B, 4H]; recorded by the cell's own op below
        var gv = gates.Data;
        Affine.AddBiasToRows(gv, bGates.Values);

        // Activations in place (kept for backward): σ(i), tanh(j), σ(f + forget_bias), σ(o).
        var hiddenOut = Tensor.Allocate(batch, units);
        var cellOut = Tensor.Allocate(batch, units);
        var hiddenData = hiddenOut.Data;
        var cellData = cellOut.Data;
        var cv = cell.Values;
        for (int r = 0; r < batch; r++)
        {
            var row = gv.Slice(r * 4 * units, 4 * units);
            Span<float> i = row[..units], j = row.Slice(units, units), f = row.Slice(2 * units, units), o = row.Slice(3 * units, units);
            FloatMath.Sigmoid(i, i);
            FloatMath.Tanh(j, j);
            TensorPrimitives.Add(f, forgetBias, f);
            FloatMath.Sigmoid(f, f);
            FloatMath.Sigmoid(o, o);
            var c = cellData.Slice(r * units, units);
            var h = hiddenData.Slice(r * units, units);
            TensorPrimitives.Multiply(f, cv.Slice(r * units, units), c);
            TensorPrimitives.Multiply(i, j, h);   // h as scratch for σ(i)·tanh(j)
            TensorPrimitives.Add(c, h, c);
            FloatMath.Tanh(c, h);
            TensorPrimitives.Multiply(o, h, h);
        }
        bool clipHidden = ClipsHidden(clip);
        var hiddenResult = clipHidden ? Clamped(hiddenOut, clip) : hiddenOut;
        var cellResult = clip > 0 ? Clamped(cellOut, clip) : cellOut;

        // A static backward with what it needs in the node's state: no closure or delegate per time step.
        Tensor.Custom(op, [hiddenResult, cellResult], [input, hidden, cell, wGates, bGates], new Saved(xh, gates, hiddenOut, cellOut, clip), Backward);
        return (hiddenResult, cellResult);
    }

    /// <summary>What the backward pass reads besides the inputs: <c>[x, h]</c>, the activated gates and the unclipped new states.</summary>
    private readonly record struct Saved(Tensor Joined, Tensor Gates, Tensor Hidden, Tensor Cell, float Clip);

    private static Tensor?[] Backward(Tensor[] opInputs, Saved saved, Tensor?[] grads)
    {
        Tensor input = opInputs[0], hidden = opInputs[1], cell = opInputs[2], wGates = opInputs[3], bGates = opInputs[4];
        int batch = input.Dim(0), inputs = input.Dim(1), units = hidden.Dim(1), joint = inputs + units;
        float clip = saved.Clip;
        bool clipHidden = ClipsHidden(clip);
        bool hasH = grads[0] is not null, hasC = grads[1] is not null;
        var gh = hasH ? grads[0]!.Values : default;
        var gc = hasC ? grads[1]!.Values : default;
        var act = saved.Gates.Values;
        var previousCell = cell.Values;
        var newHidden = saved.Hidden.Values; var newCell = saved.Cell.Values;
        // Backward buffers come from the pass's arena: no float arrays are allocated per step once training is warm.
        var dGatesTensor = Tensor.BackwardBuffer(batch, 4 * units);
        var dGates = dGatesTensor.Data;
        var dCellTensor = cell.RequiresGrad ? Tensor.BackwardBuffer(batch, units) : null;
        var dCell = dCellTensor is null ? default : dCellTensor.Data;
        Span<float> tanhCell = units <= 1024 ? stackalloc float[units] : new float[units];
        for (int r = 0; r < batch; r++)
        {
            var row = act.Slice(r * 4 * units, 4 * units);
            var dRow = dGates.Slice(r * 4 * units, 4 * units);
            int at = r * units;
            FloatMath.Tanh(newCell.Slice(at, units), tanhCell);
            for (int u = 0; u < units; u++)
            {
                float i = row[u], j = row[units + u], f = row[2 * units + u], o = row[3 * units + u], tc = tanhCell[u];
                float dh = hasH && (!clipHidden || Within(newHidden[at + u], clip)) ? gh[at + u] : 0f;
                float dcOut = hasC && (clip <= 0 || Within(newCell[at + u], clip)) ? gc[at + u] : 0f;
                float dc = dcOut + dh * o * (1f - tc * tc);
                dRow[u] = dc * j * i * (1f - i);
                dRow[units + u] = dc * i * (1f - j * j);
                dRow[2 * units + u] = dc * previousCell[at + u] * f * (1f - f);
                dRow[3 * units + u] = dh * tc * o * (1f - o);
                if (dCellTensor is not null) dCell[at + u] = dc * f;
            }
        }
        Tensor? dInput = null, dHidden = null;
        if (input.RequiresGrad || hidden.RequiresGrad)
        {
            var dJoinedTensor = Tensor.BackwardBuffer(batch, joint);
            // The weight is the same at every time step: its transposed panels are packed once, not once per step.
            GemmPackedB.MultiplyInto(dJoinedTensor, dGatesTensor, wGates, transposeB: true);
            var dJoined = dJoinedTensor.Values;   // [B, in + H]
            if (input.RequiresGrad) dInput = Tensor.BackwardBuffer(batch, inputs);
            if (hidden.RequiresGrad) dHidden = Tensor.BackwardBuffer(batch, units);
            for (int r = 0; r < batch; r++)
            {
                if (dInput is not null) dJoined.Slice(r * joint, inputs).CopyTo(dInput.Data.Slice(r * inputs, inputs));
                if (dHidden is not null) dJoined.Slice(r * joint + inputs, units).CopyTo(dHidden.Data.Slice(r * units, units));
            }
        }
        Tensor.AccumulateMatMulGrad(wGates, saved.Joined, dGatesTensor, transposeA: true); // straight into the gradient: no temporary per step
        Affine.AccumulateRowSums(bGates, dGatesTensor, 4 * units);
        var inputGrads = Tensor.GradientSlots(5);
        inputGrads[0] = dInput;
        inputGrads[1] = dHidden;
        inputGrads[2] = dCellTensor;
        return inputGrads;
    }

    private static Tensor Clamped(Tensor values, float clip)
    {
        var clamped = Tensor.Allocate(values.Shape);
        TensorPrimitives.Clamp(values.Values, -clip, clip, clamped.Data);
        return clamped;
    }

    /// <summary>Whether the clip applies to h' at all: |h'| ≤ 1, so a clip of 1 or more leaves it unchanged.</summary>
    private static bool ClipsHidden(float clip) => clip > 0 && clip < 1;

    /// <summary>Whether the clamp to ±clip passes the gradient at <paramref name="x"/> (inside the bounds, inclusive).</summary>
    private static bool Within(float x, float clip) => x >= -clip && x <= clip;
}
