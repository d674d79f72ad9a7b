using Modules.Tensors;

namespace Modules.Dnc.Tests.Tasks;

/// <summary>
/// What the paper's tasks need of the DNC's step: an answer step sees the memory it reads in that same step, as in
/// DeepMind's <c>DNC._build</c> (output = output_linear(controller output ‖ this step's read words)).
/// </summary>
public sealed class AnswerPathTests
{
    [Fact]
    public void The_output_is_the_linear_map_of_the_controller_output_and_this_steps_read_words()
    {
        var dnc = new Dnc(new DncOptions { OutputSize = 3, HiddenSize = 5, MemorySize = 4, WordSize = 2, NumReads = 2, NumWrites = 1 });
        dnc.Seed(5);
        var rng = new Generator(6);
        var state = dnc.InitialState(2);
        for (int step = 0; step < 3; step++)
        {
            var (output, next) = dnc.Step(Tensor.Normal(rng, [2, 3]), state);
            var w = dnc.NamedParameters().Single(p => p.Key == "dnc/output_linear/w").Value;   // [5 + 2·2, 3]
            var b = dnc.NamedParameters().Single(p => p.Key == "dnc/output_linear/b").Value;   // [3]
            for (int e = 0; e < 2; e++)
            {
                // [h ‖ read words of this step], by hand.
                var features = Enumerable.Range(0, 5).Select(i => next.Controller.Hidden.At(e, i))
                    .Concat(Enumerable.Range(0, 4).Select(i => next.AccessOutput.At(e, i / 2, i % 2))).ToArray();
                for (int o = 0; o < 3; o++)
                {
                    double expected = b.At(o) + features.Select((f, i) => (double)f * w.At(i, o)).Sum();
                    Assert.Equal(expected, output.At(e, o), 5);
                }
            }
            // The read words differ from the previous step's, so the check above tells the two apart.
            Assert.NotEqual(state.AccessOutput.ToArray(), next.AccessOutput.ToArray());
            state = next;
        }
    }
}
