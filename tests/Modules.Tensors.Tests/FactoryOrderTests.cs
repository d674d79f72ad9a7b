using System.Reflection;

namespace Modules.Tensors.Tests;

public class FactoryOrderTests
{
    [Fact]
    public void FromArrayTakesTheShapeFirstAndTheOldOrderForwards()
    {
        var t = Tensor.FromArray([2, 3], [1f, 2f, 3f, 4f, 5f, 6f]);
        Assert.Equal([2, 3], t.ShapeArray());
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], t.ToArray());
#pragma warning disable CS0618 // the obsolete values-first form must still give the same tensor
        var old = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
#pragma warning restore CS0618
        Assert.Equal(t.ShapeArray(), old.ShapeArray());
        Assert.Equal(t.ToArray(), old.ToArray());
    }

    /// <summary>Property: every current factory that takes a shape takes it first, or right after its generator.</summary>
    [Theory]
    [InlineData("Zeros")]
    [InlineData("Ones")]
    [InlineData("Full")]
    [InlineData("FromArray")]
    [InlineData("Uniform")]
    [InlineData("Normal")]
    [InlineData("TruncatedNormal")]
    [InlineData("GlorotUniform")]
    public void TheShapeComesFirstOrAfterTheGenerator(string factory)
    {
        var overloads = typeof(Tensor).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == factory && m.GetCustomAttribute<ObsoleteAttribute>() is null)
            .ToArray();
        Assert.NotEmpty(overloads);
        foreach (var method in overloads)
        {
            var parameters = method.GetParameters();
            int expected = parameters[0].ParameterType == typeof(Generator) ? 1 : 0;
            Assert.Equal(("shape", typeof(int[])), (parameters[expected].Name, parameters[expected].ParameterType));
        }
    }
}
