using Modules;
using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain.Tests;

/// <summary><c>--read-before-write</c>: the switch of <see cref="DncOptions.ReadBeforeWrite"/> (the access itself is tested
/// in the library's tests).</summary>
public sealed class ReadBeforeWriteTests
{
    [Fact]
    public void The_switch_builds_the_read_first_dnc_names_it_and_is_part_of_the_configuration()
    {
        string[] small = ["--hidden-size", "8", "--memory-size", "4", "--word-size", "2", "--num-read-heads", "1", "--checkpoint-dir", ""];
        var options = TrainOptions.Parse([.. small, "--read-before-write"]);
        Assert.True(options.ReadBeforeWrite);
        Assert.Contains("\"read_before_write\":true", options.ConfigurationJson());
        // Off, the configuration is what it was before the switch existed.
        Assert.DoesNotContain("read_before_write", TrainOptions.Parse(small).ConfigurationJson());
        var model = ModelRegistry.Create(options, outputSize: 3);
        Assert.Equal("dnc (read before write)", model.Name);
        var dnc = Assert.IsType<Dnc>(model.Module);
        Assert.True(dnc.Access.ReadBeforeWrite);
        Assert.Equal(typeof(ContentAddressing), dnc.Access.ReadContentWeights.GetType());
        // Same parameter names as DeepMind's order, so one checkpoint layout serves both.
        var plain = ModelRegistry.Create(TrainOptions.Parse(small), outputSize: 3);
        Assert.Equal("dnc", plain.Name);
        Assert.False(((Dnc)plain.Module).Access.ReadBeforeWrite);
        // Parameters are created on the first step.
        DynamicRnn.Unroll(dnc, Tensor.Zeros(1, 1, 3));
        DynamicRnn.Unroll((Dnc)plain.Module, Tensor.Zeros(1, 1, 3));
        Assert.NotEmpty(model.Module.NamedParameters());
        Assert.Equal(plain.Module.NamedParameters().Select(p => p.Key), model.Module.NamedParameters().Select(p => p.Key));
        // With --key-mask the read-first lookup is the masked one, with its mask parameters.
        var both = (Dnc)ModelRegistry.Create(TrainOptions.Parse([.. small, "--read-before-write", "--key-mask"]), outputSize: 3).Module;
        Assert.True(both.Access.ReadBeforeWrite);
        Assert.NotEqual(typeof(ContentAddressing), both.Access.ReadContentWeights.GetType());
        Assert.Equal("--read-before-write does not apply to --model lstm (only to dnc)",
            Assert.Throws<UsageException>(() => TrainOptions.Parse(["--model", "lstm", "--read-before-write"])).Message);
    }
}
