using Modules.Tensors;
using Modules.Training;
using static Modules.Tests.Training.OptimizerRuns;

namespace Modules.Tests.Training;

public class AdamTests
{
    [Fact]
    public void FirstThreeStepsMatchHandComputedValues()
    {
        // lr 0.1, β1 0.9, β2 0.999, ε 1e-8 (PyTorch).
        // Step 1, element 0: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.05/0.1 = 0.5, √v̂ = √(0.00025/0.001) = 0.5;
        //   p = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002. Element 1 likewise moves by lr·sign(g): −2.1.
        // Step 2, element 0: m = 0.9·0.05 + 0.1·(−1) = −0.055, v = 0.999·0.00025 + 0.001·1 = 0.00124975;
        //   m̂ = −0.055/0.19 = −0.289473684, √v̂ = √(0.00124975/0.001999) = 0.790689...; p = 0.9 + 0.1·0.366103... = 0.936610354.
        //   Element 1 (g = 0): m = 0.9·0.2 = 0.18, v = 0.999·0.004 = 0.003996; m̂ = 0.947368, √v̂ = √(0.003996/0.001999) = 1.413862;
        //   p = −2.1 − 0.1·0.670058 = −2.16700582.
        // Step 3: m = [0.1505, 0.112], v = [0.0052485, 0.00424200]; 1−β1³ = 0.271, 1−β2³ = 0.002997001;
        //   p = [0.894644793, −2.20174397].
        var actual = RunThreeSteps(new Adam(0.1f, 0.9f, 0.999f, 1e-8f));
        AssertSteps([[0.900000002f, -2.1f], [0.936610354f, -2.16700582f], [0.894644793f, -2.20174397f]], actual);
    }

    [Fact]
    public void SlotsAreNamedByParameterPath()
    {
        var adam = new Adam(0.1f);
        RunThreeSteps(adam, "dnc/lstm/w_gates");
        var slots = adam.Slots.ToList();
        Assert.Equal(["adam/step", "adam/m/dnc/lstm/w_gates", "adam/v/dnc/lstm/w_gates"], slots.Select(s => s.Key));
        // m after three steps: [0.1505, 0.112] (see the test above).
        Assert.Equal(0.1505f, slots[1].Value.At(0), 6);
        Assert.Equal(0.112f, slots[1].Value.At(1), 6);
        Assert.Equal("dnc/lstm/w_gates", adam.ParameterPathOf("adam/m/dnc/lstm/w_gates"));
    }

    [Fact]
    public void RestoredSlotsContinueExactlyAsAnUninterruptedRun()
    {
        // Reference: three uninterrupted steps.
        var reference = RunThreeSteps(new Adam(0.1f));

        // Interrupted: one step, save slots, restore into a fresh optimizer, two more steps.
        var first = new Adam(0.1f);
        var p = new Tensor((float[])Initial.Clone(), 2).RequireGrad();
        KeyValuePair<string, Tensor>[] parameters = [new("net/w", p)];
        p.Grad = new Tensor((float[])Gradients[0].Clone(), 2);
        first.Step(parameters);
        var saved = first.Slots.Select(s => new KeyValuePair<string, Tensor>(s.Key, s.Value.Clone())).ToList();

        var second = new Adam(0.1f);
        second.LoadSlots(saved);
        Assert.Equal(1, second.StepCount);
        for (int step = 1; step < 3; step++)
        {
            p.Grad = new Tensor((float[])Gradients[step].Clone(), 2);
            second.Step(parameters);
        }
        Assert.Equal(reference[2], p.ToArray());
    }

    [Fact]
    public void LoadingAnotherOptimizersSlotsIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new Adam(0.1f).LoadSlots([new("adam/step", Tensor.Scalar(1)), new("rmsprop/ms/net/w", Tensor.Zeros(2))]));
        Assert.Contains("rmsprop/ms/net/w", error.Message);
        var missingStep = Assert.Throws<ArgumentException>(() => new Adam(0.1f).LoadSlots([new("adam/m/net/w", Tensor.Zeros(2))]));
        Assert.Contains("adam/step", missingStep.Message);
    }

    [Fact]
    public void RestoredSlotOfTheWrongShapeIsRejectedAtTheNextStep()
    {
        var adam = new Adam(0.1f);
        adam.LoadSlots([new("adam/step", Tensor.Scalar(1)), new("adam/m/net/w", Tensor.Zeros(3)), new("adam/v/net/w", Tensor.Zeros(3))]);
        var p = new Tensor([1f, 2f], 2).RequireGrad();
        p.Grad = Tensor.Ones(2);
        var error = Assert.Throws<ShapeMismatchException>(() => adam.Step([new("net/w", p)]));
        Assert.Equal("adam.Step: the restored slot adam/m/net/w must be [2] (its parameter's shape), got [3]", error.Message);
    }
}
