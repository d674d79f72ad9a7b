using Modules.Dnc.Tasks.Graph;

namespace Modules.Dnc.Tests.Tasks.Graph;

public sealed class GraphEpisodeRendererTests
{
    [Fact]
    public void Shows_the_phases_as_triples_and_marks_wrong_answers()
    {
        const int B = TripleEncoding.Blank;
        var question = new GraphQuestion([new(1, 20, 300), new(300, 7, 1)], [new(1, B, 1)], 2,
            [new(1, 20, 300), new(300, 7, 1)], 2, 0);
        var batch = GraphEpisodes.Encode([question]);
        var logits = (batch.Targets * 10f).Clone();
        logits.Data[6 * 90 + 60 + 5] = 50f;    // last answer step: destination's hundreds digit 5 instead of 0
        Assert.Equal("\nGraph (2 triples):\n  (001, 020, 300) (300, 007, 001)\nQuery: (001, ___, 001)\nPlanning: 2 steps\n" +
            "Answer: (001, 020, 300) (300, 007, 001)\nModel:  (001, 020, 300) (300, 007, 501)*",
            new GraphEpisodeRenderer().Render(batch, logits));
    }
}
