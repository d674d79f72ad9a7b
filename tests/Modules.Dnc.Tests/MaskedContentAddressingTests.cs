using Modules.Tensors;

namespace Modules.Dnc.Tests;

public class MaskedContentAddressingTests
{
    // A module over words of 2 with its mask parameters set to w [2, 2] and b [2].
    private static (MaskedContentAddressing Module, Tensor W, Tensor B) Module(float[] w, float[] b)
    {
        var module = new MaskedContentAddressing("read_content_weights");
        module.Forward(Tensor.Zeros(1, 2, 2), Tensor.Zeros(1, 1, 2), Tensor.Zeros(1, 1)); // creates the parameters
        var parameters = module.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        var (pw, pb) = (parameters["read_content_weights/mask_w"], parameters["read_content_weights/mask_b"]);
        w.CopyTo(pw.Data);
        b.CopyTo(pb.Data);
        return (module, pw, pb);
    }

    [Fact]
    public void Masked_similarity_by_hand()
    {
        // Memory rows (2, 1) and (0, 2); W = [[0, ln 3], [0, 0]], b = 0, raw strengths 0 (softplus: ln 2).
        var (module, _, _) = Module([0, MathF.Log(3), 0, 0], [0, 0]);
        var memory = new Tensor([2, 1, 0, 2], 1, 2, 2);
        // Key (1, 1): k·W = (0, ln 3), mask (0.5, 0.75); k⊙m = (0.5, 0.75) against rows (1, 0.75) and (0, 1.5):
        // cosines 1.0625 / (0.901388 · 1.25) = 0.942990 and 1.125 / (0.901388 · 1.5) = 0.832050, softmax of ln 2 · those.
        // Key (0, 1): k·W = 0, mask 0.5 everywhere: the plain cosines 0.447214 and 1.
        var weights = module.Forward(memory, new Tensor([1, 1, 0, 1], 1, 2, 2), Tensor.Zeros(1, 2));
        Assert.Equal([1, 2, 2], weights.ShapeArray());
        FiniteDifference.AssertClose([0.519215f, 0.480785f, 0.405365f, 0.594635f], weights.Values, 0, 2e-6, "masked weights");
        // Unmasked, the first key would weigh the rows 0.541764 / 0.458236: the mask is what moved them.
        FiniteDifference.AssertClose([0.541764f, 0.458236f], new ContentAddressing().Forward(memory, new Tensor([1, 1], 1, 1, 2), Tensor.Zeros(1, 1)).Values,
            0, 2e-6, "plain weights");
    }

    [Fact]
    public void Starts_as_the_plain_lookup()
    {
        // Zero parameters: the mask is 0.5 everywhere and cosine similarity ignores a common scale.
        var module = new MaskedContentAddressing();
        var rng = new Generator(3);
        var (memory, keys, strengths) = (Tensor.Normal(rng, [2, 5, 4]), Tensor.Normal(rng, [2, 3, 4]), Tensor.Normal(rng, [2, 3]));
        var masked = module.Forward(memory, keys, strengths);
        var plain = new ContentAddressing().Forward(memory, keys, strengths);
        FiniteDifference.AssertClose(plain.ToArray(), masked.Values, 1e-5, 1e-6, "weights at initialisation");
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        // Parameters drawn at random so that the mask is far from 0.5; the check perturbs them like the inputs.
        var rng = new Generator(5);
        var (module, w, b) = Module(Tensor.Normal(rng, [2, 2]).ToArray(), Tensor.Normal(rng, [2]).ToArray());
        var (memory, keys, strengths) = (Tensor.Normal(rng, [2, 4, 2]), Tensor.Normal(rng, [2, 3, 2]), Tensor.Normal(rng, [2, 3]));
        FiniteDifference.Check(x => module.Forward(x[0], x[1], x[2]), [memory, keys, strengths, w, b], eps: 1e-3f, rtol: 2e-2, atol: 1e-3);
    }

    [Fact]
    public void Dnc_with_key_mask_reads_through_it_and_trains_its_parameters()
    {
        var options = new DncOptions { OutputSize = 2, HiddenSize = 6, MemorySize = 4, WordSize = 3, NumReads = 2, KeyMask = true };
        var dnc = new Dnc(options);
        Assert.IsType<MaskedContentAddressing>(dnc.Access.ReadContentWeights);
        Assert.IsNotType<MaskedContentAddressing>(dnc.Access.WriteContentWeights);
        dnc.Seed(1);
        var outputs = DynamicRnn.Unroll(dnc, Tensor.Normal(new Generator(2), [3, 2, 3])).Outputs;
        Tensor.Square(outputs).Sum().Backward();
        var maskW = dnc.NamedParameters().Single(p => p.Key.EndsWith("read_content_weights/mask_w", StringComparison.Ordinal)).Value;
        Assert.Equal([3, 3], maskW.ShapeArray());
        Assert.Contains(maskW.Grad!.ToArray(), g => g != 0f);
        // Off (the default), the DNC has no mask parameters.
        var plain = new Dnc(options with { KeyMask = false });
        plain.Seed(1);
        DynamicRnn.Unroll(plain, Tensor.Normal(new Generator(2), [3, 2, 3]));
        Assert.DoesNotContain(plain.NamedParameters(), p => p.Key.Contains("mask", StringComparison.Ordinal));
    }
}
