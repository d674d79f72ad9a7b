using Modules.Tensors;

namespace Modules.Dnc.Addressing;

/// <summary>
/// Differentiable building blocks the addressing math needs, written only with the core ops
/// (broadcast arithmetic, sums, matmul, exp/log). Slices, stacks, sorts and cumulative products are
/// expressed through constant selection / permutation / triangular matrices, so gradients flow
/// through the ordinary matmul and multiply backward passes.
/// </summary>
internal static class TensorTricks
{
    /// <summary>Softmax over the last axis; the row maximum is subtracted as a constant for stability.</summary>
    public static Tensor SoftmaxLast(Tensor x)
    {
        int n = x.Dim(-1);
        var shape = x.ShapeArray();
        shape[^1] = 1;
        var max = Tensor.Zeros(shape);
        var src = x.Values; var dst = max.Data;
        for (int r = 0; r < dst.Length; r++)
        {
            float m = float.NegativeInfinity;
            for (int i = 0; i < n; i++) m = MathF.Max(m, src[r * n + i]);
            dst[r] = m;
        }
        var e = Tensor.Exp(x - max);
        return e / e.Sum(-1, keepDim: true);
    }

    /// <summary>The slice at <paramref name="index"/> of <paramref name="axis"/>, with that axis removed.</summary>
    public static Tensor Select(Tensor x, int axis, int index)
    {
        if (axis < 0) axis += x.Rank;
        var maskShape = new int[x.Rank];
        Array.Fill(maskShape, 1);
        maskShape[axis] = x.Dim(axis);
        var mask = Tensor.Zeros(maskShape);
        mask.Data[index] = 1f;
        return (x * mask).Sum(axis);
    }

    /// <summary>The product over <paramref name="axis"/> (axis removed).</summary>
    public static Tensor Prod(Tensor x, int axis)
    {
        var result = Select(x, axis, 0);
        for (int k = 1; k < x.Dim(axis); k++) result = result * Select(x, axis, k);
        return result;
    }

    /// <summary>Columns [start, start+length) of the last axis: x·S with a constant 0/1 selection matrix.</summary>
    public static Tensor SliceLast(Tensor x, int start, int length)
    {
        int k = x.Dim(-1);
        var s = Tensor.Zeros(k, length);
        for (int i = 0; i < length; i++) s.Data[(start + i) * length + i] = 1f;
        return MatMulLast(x, s);
    }

    /// <summary>Concatenation along the last axis of tensors with equal leading shapes.</summary>
    public static Tensor ConcatLast(params Tensor[] parts)
    {
        int total = 0;
        foreach (var p in parts) total += p.Dim(-1);
        Tensor? result = null;
        int offset = 0;
        foreach (var p in parts)
        {
            int k = p.Dim(-1);
            var e = Tensor.Zeros(k, total);
            for (int i = 0; i < k; i++) e.Data[i * total + offset + i] = 1f;
            var placed = MatMulLast(p, e);
            result = result is null ? placed : result + placed;
            offset += k;
        }
        return result ?? throw new ArgumentException("ConcatLast: no parts");
    }

    /// <summary>Stacks equally shaped tensors [B, ...] into [B, K, ...] (new axis 1).</summary>
    public static Tensor StackAxis1(IReadOnlyList<Tensor> parts)
    {
        int k = parts.Count;
        Tensor? result = null;
        for (int i = 0; i < k; i++)
        {
            var p = parts[i];
            var shape = p.ShapeArray();
            var expanded = new int[shape.Length + 1];
            expanded[0] = shape[0]; expanded[1] = 1;
            Array.Copy(shape, 1, expanded, 2, shape.Length - 1);
            var maskShape = new int[expanded.Length];
            Array.Fill(maskShape, 1);
            maskShape[1] = k;
            var mask = Tensor.Zeros(maskShape);
            mask.Data[i] = 1f;
            var placed = p.Reshape(expanded) * mask;
            result = result is null ? placed : result + placed;
        }
        return result ?? throw new ArgumentException("StackAxis1: no parts");
    }

    /// <summary>Exclusive cumulative product over the last axis of a strictly positive tensor [B, N].</summary>
    public static Tensor ExclusiveCumprodLast(Tensor x)
    {
        int n = x.Dim(-1);
        var t = Tensor.Zeros(n, n);
        for (int j = 0; j < n; j++)
            for (int i = j + 1; i < n; i++) t.Data[j * n + i] = 1f;
        return Tensor.Exp(MatMulLast(Tensor.Log(x), t));
    }

    /// <summary>
    /// The permutation matrices P [B, N, N] sorting each row of <paramref name="x"/> [B, N] ascending
    /// (ties: lower index first): sorted = P·x, and Pᵀ·sorted scatters back.
    /// </summary>
    public static Tensor AscendingPermutation(Tensor x)
    {
        int b = x.Dim(0), n = x.Dim(1);
        var p = Tensor.Zeros(b, n, n);
        var order = new int[n];
        var keys = new float[n];
        for (int r = 0; r < b; r++)
        {
            for (int i = 0; i < n; i++) { order[i] = i; keys[i] = x.Values[r * n + i]; }
            // Stable insertion sort: equal keys keep index order.
            for (int i = 1; i < n; i++)
            {
                int o = order[i]; float key = keys[o]; int j = i - 1;
                while (j >= 0 && keys[order[j]] > key) { order[j + 1] = order[j]; j--; }
                order[j + 1] = o;
            }
            for (int i = 0; i < n; i++) p.Data[(r * n + i) * n + order[i]] = 1f;
        }
        return p;
    }

    /// <summary>x [..., k] · m [k, n] → [..., n] for any leading shape.</summary>
    public static Tensor MatMulLast(Tensor x, Tensor m)
    {
        var shape = x.ShapeArray();
        int k = shape[^1];
        var flat = x.Reshape(-1, k).MatMul(m);
        shape[^1] = m.Dim(1);
        return flat.Reshape(shape);
    }

    /// <summary>x [..., n] with a new trailing axis of size 1 → [..., n, 1]; or, for <paramref name="axis"/>, a size-1 axis there.</summary>
    public static Tensor Unsqueeze(Tensor x, int axis)
    {
        var shape = new List<int>(x.ShapeArray());
        if (axis < 0) axis += shape.Count + 1;
        shape.Insert(axis, 1);
        return x.Reshape([.. shape]);
    }
}
