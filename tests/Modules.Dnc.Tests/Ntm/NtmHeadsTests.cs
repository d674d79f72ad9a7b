using Modules.Tensors;

namespace Modules.Dnc.Tests.NeuralTuringMachine;

/// <summary>
/// <see cref="NtmHeads"/> evaluates each group of parts as one product; these compare it with one affine map per part
/// (<c>x·w_k + b_k</c> from the same parameters) followed by the unfused addressing, values and gradients.
/// </summary>
public class NtmHeadsTests
{
    private static readonly int[][] AddressingShapes = [[2, 3], [2], [2], [2, 3], [2]];

    private static Tensor[] PerPart(Tensor x, Tensor[] parameters, int first, int[][] shapes)
    {
        var parts = new Tensor[shapes.Length];
        for (int k = 0; k < shapes.Length; k++)
            parts[k] = (Tensor.MatMul(x, parameters[first + 2 * k]) + parameters[first + 2 * k + 1]).Reshape([x.Dim(0), .. shapes[k]]);
        return parts;
    }

    [Fact]
    public void WriteHeads_AddressAndEraseAndAdd_MatchOneAffineMapPerPart()
    {
        // H = 2 heads over N = 5 rows of Wd = 3; controller output [B = 2, 4].
        var heads = new NtmHeads(2, 3, writesMemory: true, "write_heads");
        heads.Seed(3);
        var g = new Generator(4);
        var controller = Tensor.Normal(g, [2, 4]);
        var memory = Tensor.Normal(g, [2, 5, 3]);
        var previous = Tensor.Softmax(Tensor.Normal(g, [2, 2, 5]), -1);
        heads.Address(controller, memory, previous);   // creates the parameters
        heads.EraseAndAdd(controller);
        var parameters = heads.NamedParameters().Select(p => p.Value).ToArray();
        Assert.Equal(14, parameters.Length);           // keys, strengths, gates, shifts, sharpening, erase, add: w and b each

        var probe = Tensor.Uniform(new Generator(23), [2, 2 * 5 + 2 * 2 * 3], -1f, 1f);
        (float[] Output, float[][] Gradients) Run(Func<Tensor, Tensor, Tensor, Tensor> f)
        {
            Training.Optimizer.ZeroGrad(heads.NamedParameters());
            Tensor c = controller.Clone().RequireGrad(), m = memory.Clone().RequireGrad(), p = previous.Clone().RequireGrad();
            var output = f(c, m, p);
            (output * probe).Sum().Backward();
            return (output.ToArray(), [c.Grad!.ToArray(), m.Grad!.ToArray(), p.Grad!.ToArray(), .. parameters.Select(w => w.Grad!.ToArray())]);
        }
        var fused = Run((c, m, p) =>
        {
            var weights = heads.Address(c, m, p);
            var (erase, add) = heads.EraseAndAdd(c);
            return Tensor.Concat(-1, weights.Reshape(2, -1), erase.Reshape(2, -1), add.Reshape(2, -1));
        });
        var unfused = Run((c, m, p) =>
        {
            var parts = PerPart(c, parameters, 0, AddressingShapes);
            var weights = UnfusedNtmAddressing.Address(m, p, new NtmHeadInterface(parts[0], parts[1], parts[2], parts[3], parts[4]));
            var written = PerPart(c, parameters, 10, [[2, 3], [2, 3]]);
            return Tensor.Concat(-1, weights.Reshape(2, -1), Tensor.Sigmoid(written[0]).Reshape(2, -1), written[1].Reshape(2, -1));
        });
        FiniteDifference.AssertClose(unfused.Output, fused.Output, 1e-5, 1e-6, "output");
        for (int i = 0; i < fused.Gradients.Length; i++)
            FiniteDifference.AssertClose(unfused.Gradients[i], fused.Gradients[i], 1e-4, 1e-6, $"gradient {i}");
    }
}
