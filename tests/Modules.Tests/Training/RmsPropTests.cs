using Modules.Training;
using static Modules.Tests.Training.OptimizerRuns;

namespace Modules.Tests.Training;

public class RmsPropTests
{
    [Fact]
    public void TensorFlow1FlavourStartsTheMeanSquareAtOne()
    {
        // lr 0.1, decay 0.9, ε 1e-10, ms₀ = 1.
        // Step 1: ms = 0.9·1 + 0.1·[0.25, 4] = [0.925, 1.3]; p = [1 − 0.05/√0.925, −2 − 0.2/√1.3]
        //   = [1 − 0.0519875, −2 − 0.1754116] = [0.948012476, −2.1754116].
        // Step 2: ms = [0.8325 + 0.1, 1.17 + 0] = [0.9325, 1.17]; p = [0.948012476 + 0.1/√0.9325, unchanged]
        //   = [1.05156855, −2.1754116].
        // Step 3: ms = [0.83925 + 0.4, 1.053 + 0.025] = [1.23925, 1.078]; p = [1.05156855 − 0.2/√1.23925, −2.1754116 + 0.05/√1.078]
        //   = [0.871908907, −2.12725447].
        var rms = new RmsProp(0.1f, decay: 0.9f, momentum: 0f, epsilon: 1e-10f, RmsPropFlavor.TensorFlow1);
        var actual = RunThreeSteps(rms);
        AssertSteps([[0.948012476f, -2.1754116f], [1.05156855f, -2.1754116f], [0.871908907f, -2.12725447f]], actual);
        var slots = rms.Slots.ToList();
        Assert.Equal(["rmsprop/step", "rmsprop/ms/net/w"], slots.Select(s => s.Key));
        Assert.Equal(1.23925f, slots[1].Value.At(0), 5);
        Assert.Equal(1.078f, slots[1].Value.At(1), 5);
    }

    [Fact]
    public void TensorFlow1FlavourWithMomentumAppliesTheLearningRateInsideTheBuffer()
    {
        // momentum 0.5: mom = 0.5·mom + lr·g/√(ms+ε); p ← p − mom.
        // Step 1: mom = [0.0519875, 0.1754116] → p = [0.948012476, −2.1754116].
        // Step 2: mom = [0.0259938 − 0.1035558, 0.0877058 + 0] = [−0.0775620, 0.0877058] → p = [1.02557479, −2.26311741].
        // Step 3: mom = [−0.0387810 + 0.1796598, 0.0438529 − 0.0481572] = [0.1408788, −0.0043043] → p = [0.884696301, −2.25881317].
        var actual = RunThreeSteps(RmsProp.TensorFlow1(0.1f, momentum: 0.5f));
        AssertSteps([[0.948012476f, -2.1754116f], [1.02557479f, -2.26311741f], [0.884696301f, -2.25881317f]], actual);
    }

    [Fact]
    public void PyTorchFlavourStartsTheMeanSquareAtZero()
    {
        // lr 0.01, alpha 0.99, ε 1e-8, ms₀ = 0.
        // Step 1: ms = 0.01·[0.25, 4] = [0.0025, 0.04]; p = [1 − 0.01·0.5/(0.05 + 1e-8), −2 − 0.01·2/(0.2 + 1e-8)] = [0.90000002, −2.1].
        // Step 2: ms = [0.002475 + 0.01, 0.0396] = [0.012475, 0.0396]; p = [0.9 + 0.01/0.1116915, −2.1] = [0.989532308, −2.1].
        // Step 3: ms = [0.01235025 + 0.04, 0.039204 + 0.0025] = [0.05235025, 0.041704];
        //   p = [0.989532308 − 0.02/0.2288018, −2.1 + 0.005/0.2042156] = [0.902120401, −2.07551607].
        var actual = RunThreeSteps(RmsProp.PyTorch(0.01f));
        AssertSteps([[0.90000002f, -2.1f], [0.989532308f, -2.1f], [0.902120401f, -2.07551607f]], actual);
    }

    [Fact]
    public void PyTorchFlavourWithMomentumAppliesTheLearningRateOutsideTheBuffer()
    {
        // momentum 0.5: buf = 0.5·buf + g/(√ms + ε); p ← p − lr·buf.
        // Step 1: buf = [10, 10] → p = [0.9, −2.1]. Step 2: buf = [5 − 8.953, 5 + 0] = [−3.953, 5] → p = [0.939532318, −2.15].
        // Step 3: buf = [−1.9766 + 8.7412, 2.5 − 2.4484] = [6.7646, 0.0516] → p = [0.87188656, −2.15051606].
        var rms = RmsProp.PyTorch(0.01f, momentum: 0.5f);
        var actual = RunThreeSteps(rms);
        AssertSteps([[0.90000002f, -2.1f], [0.939532318f, -2.14999999f], [0.87188656f, -2.15051606f]], actual);
        Assert.Equal(["rmsprop/step", "rmsprop/ms/net/w", "rmsprop/mom/net/w"], rms.Slots.Select(s => s.Key));
    }
}
