using Modules.Tensors;

namespace Modules.Tests.Core;

public class ParameterSharingTests
{
    private static Tensor Input(int rows, int cols, float start) =>
        new(Enumerable.Range(0, rows * cols).Select(i => start + 0.25f * i).ToArray(), rows, cols);

    [Fact]
    public void FirstCallCreatesParametersFromTheInputShape()
    {
        var dense = new Dense(2);
        Assert.False(dense.IsConnected);
        Assert.Empty(dense.NamedParameters());

        dense.Forward(Input(4, 3, 0f));

        Assert.True(dense.IsConnected);
        var named = dense.NamedParameters();
        Assert.Equal(["dense/w", "dense/b"], named.Select(p => p.Key));
        Assert.Equal([3, 2], named[0].Value.ShapeArray());
        Assert.Equal([2], named[1].Value.ShapeArray());
        Assert.All(named, p => Assert.True(p.Value.RequiresGrad));
        Assert.Equal([0.5f, 0.5f], named[1].Value.ToArray());
    }

    [Fact]
    public void CalledTwiceSharesParametersAndAccumulatesGradientsFromBothCalls()
    {
        var dense = new Dense(2);
        var x1 = Input(2, 3, 0f);
        var x2 = Input(1, 3, 1f);
        var y1 = dense.Forward(x1);
        var before = dense.Parameters();
        var y2 = dense.Forward(x2);
        var after = dense.Parameters();

        Assert.Equal(2, after.Count);
        Assert.Same(before[0], after[0]);
        Assert.Same(before[1], after[1]);

        (y1.Sum() + y2.Sum()).Backward();

        // d/dw sum(x·w + b) = column sums of x, repeated per output: from both calls.
        var w = after[0];
        var expectedW = new float[6];
        for (int i = 0; i < 3; i++)
        {
            float colSum = 0;
            for (int r = 0; r < 2; r++) colSum += x1.At(r, i);
            colSum += x2.At(0, i);
            expectedW[i * 2] = colSum;
            expectedW[i * 2 + 1] = colSum;
        }
        Assert.Equal(expectedW, w.Grad!.ToArray());
        // d/db = number of rows over both calls.
        Assert.Equal([3f, 3f], after[1].Grad!.ToArray());
    }

    [Fact]
    public void IncompatibleSecondCallThrowsNamingPathAndBothShapes()
    {
        var model = new TwoDense("net");
        model.Forward(Input(2, 4, 0f));

        var error = Assert.Throws<ShapeMismatchException>(() => model.Forward(Input(2, 5, 0f)));

        Assert.Equal("net/dense/w: the parameter must be [4, 3] (as created), got [5, 3]", error.Message);
        Assert.Equal("net/dense/w", error.Op);
        Assert.Equal([4, 3], error.Expected);
        Assert.Equal([5, 3], error.Actual);
    }

    [Fact]
    public void InitializerReturningTheWrongShapeThrows()
    {
        var holder = new BadInit();
        var error = Assert.Throws<ShapeMismatchException>(() => holder.Create());
        Assert.Contains("bad_init/p", error.Message);
        Assert.Contains("[2, 2]", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    [Fact]
    public void ParameterCreatedByAnOpIsStoredAsALeaf()
    {
        var holder = new BadInit();
        var source = Tensor.Ones(3).RequireGrad();
        var created = holder.CreateFrom(source);
        Assert.True(created.IsLeaf);
        Assert.True(created.RequiresGrad);
        Assert.Equal([2f, 2f, 2f], created.ToArray());
    }

    [Fact]
    public void SameSeedGivesSameParametersAndOtherSeedDiffers()
    {
        float[] Weights(ulong seed)
        {
            var d = new Dense(4);
            d.Seed(seed);
            d.Forward(Input(1, 3, 0f));
            return d.Parameters()[0].ToArray();
        }

        Assert.Equal(Weights(7), Weights(7));
        Assert.NotEqual(Weights(7), Weights(8));
    }

    [Fact]
    public void SubmodulesUseTheRootsGenerator()
    {
        var a = new TwoDense();
        a.Seed(3);
        a.Forward(Input(1, 2, 0f));
        var b = new TwoDense();
        b.Generator = new Generator(3);
        b.Forward(Input(1, 2, 0f));
        Assert.Equal(a.Parameters()[0].ToArray(), b.Parameters()[0].ToArray());
        Assert.Equal(a.Parameters()[2].ToArray(), b.Parameters()[2].ToArray());
    }

    [Fact]
    public void ModulesBuiltOnManyThreadsStillUseTheirRootsGenerator()
    {
        float[] Build()
        {
            var model = new TwoDense();
            model.Seed(42);
            model.Forward(Input(1, 2, 0f));
            return model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }

        var expected = Build();
        var results = new float[64][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = Build());
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void ZeroGradClearsEveryGradient()
    {
        var model = new TwoDense();
        model.Forward(Input(2, 2, 0f)).Sum().Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }
}

/// <summary>A module whose initializer can be made to misbehave.</summary>
[Module]
public sealed partial class BadInit : Module
{
    [Param] private Tensor? p;

    public Tensor Create() => GetP([3], _ => Tensor.Zeros(2, 2));

    public Tensor CreateFrom(Tensor source) => GetP([3], _ => source * 2f);
}
