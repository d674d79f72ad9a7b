using Modules.Dnc.Access;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Golden;

/// <summary>
/// The DNC written out with explicit parameters (Sonnet 1 LSTM, linear heads) around <see cref="AccessStep"/>,
/// so the access math is checked against the golden vectors independently of the module runtime.
/// </summary>
public sealed class FunctionalDnc(IReadOnlyDictionary<string, Tensor> parameters, int wordSize, int reads, int writes, int hidden, float clip)
{
    public Action<AccessTrace>? Trace { get; set; }

    private Tensor P(string path) => parameters["dnc/" + path];

    private Tensor Head(Tensor h, string name) => h.MatMul(P($"memory_access/{name}/w")) + P($"memory_access/{name}/b");

    private Tensor Clip(Tensor x) => clip > 0 ? Tensor.Clamp(x, -clip, clip) : x;

    public (Tensor Outputs, Tensor H, Tensor C, Tensor AccessOutput, AccessState Access) Unroll(Tensor inputs, int memorySize)
    {
        int steps = inputs.Dim(0), b = inputs.Dim(1), inSize = inputs.Dim(2);
        var h = Tensor.Zeros(b, hidden); var c = Tensor.Zeros(b, hidden);
        var accessOutput = Tensor.Zeros(b, reads, wordSize);
        var access = AccessStep.ZeroState(b, memorySize, wordSize, reads, writes);
        var outputs = new List<Tensor>();
        for (int t = 0; t < steps; t++)
        {
            var x = Select0(inputs, t, b, inSize);
            var gates = Concat(x, accessOutput.Reshape(b, -1), h).MatMul(P("lstm/w_gates")) + P("lstm/b_gates");
            var i = Cols(gates, 0, hidden); var j = Cols(gates, hidden, hidden);
            var f = Cols(gates, 2 * hidden, hidden); var o = Cols(gates, 3 * hidden, hidden);
            c = Tensor.Sigmoid(f + 1f) * c + Tensor.Sigmoid(i) * Tensor.Tanh(j);
            h = Tensor.Tanh(c) * Tensor.Sigmoid(o);
            h = Clip(h); c = Clip(c);
            var raw = new AccessInterface(
                Head(h, "read_keys").Reshape(b, reads, wordSize), Head(h, "read_strengths"),
                Head(h, "write_keys").Reshape(b, writes, wordSize), Head(h, "write_strengths"),
                Head(h, "erase_vectors").Reshape(b, writes, wordSize), Head(h, "write_vectors").Reshape(b, writes, wordSize),
                Head(h, "free_gate"), Head(h, "allocation_gate"), Head(h, "write_gate"),
                Head(h, "read_mode").Reshape(b, reads, 1 + 2 * writes));
            (accessOutput, access) = AccessStep.Run(raw, access, Trace);
            var y = Concat(h, accessOutput.Reshape(b, -1)).MatMul(P("output_linear/w")) + P("output_linear/b");
            outputs.Add(Clip(y).Reshape(1, b, -1));
        }
        var all = outputs[0];
        // Stack along time with matmul-free concatenation: [1,B,O] pieces joined via reshape of a concat on the last axis.
        var flat = Concat(outputs.Select(y => y.Reshape(1, -1)).ToArray());
        all = flat.Reshape(steps, b, -1);
        return (all, h, c, accessOutput, access);
    }

    private static Tensor Select0(Tensor x, int t, int b, int n)
    {
        var flat = x.Reshape(x.Dim(0), b * n);
        var sel = Tensor.Zeros(1, x.Dim(0)); sel.Data[t] = 1f;
        return sel.MatMul(flat).Reshape(b, n);
    }

    private static Tensor Cols(Tensor x, int start, int length)
    {
        var s = Tensor.Zeros(x.Dim(1), length);
        for (int i = 0; i < length; i++) s.Data[(start + i) * length + i] = 1f;
        return x.MatMul(s);
    }

    private static Tensor Concat(params Tensor[] parts)
    {
        int total = parts.Sum(p => p.Dim(1)); int offset = 0;
        Tensor? result = null;
        foreach (var p in parts)
        {
            var e = Tensor.Zeros(p.Dim(1), total);
            for (int i = 0; i < p.Dim(1); i++) e.Data[i * total + offset + i] = 1f;
            var placed = p.MatMul(e); result = result is null ? placed : result + placed; offset += p.Dim(1);
        }
        return result!;
    }
}
