using Modules.Dnc.Tasks.Babi;

namespace Modules.Dnc.Tests.Tasks.Babi;

public sealed class BabiEpisodeRendererTests
{
    [Fact]
    public void Shows_words_with_answers_in_brackets_and_marks_wrong_ones()
    {
        var stories = BabiReader.Read(new StringReader("1 Mary went to the kitchen.\n2 John went to the garden.\n3 Where is Mary? \tkitchen\t1\n4 Where is John?\tgarden\t2\n"), "qa1_x_train.txt", 1);
        var vocabulary = new BabiVocabulary(stories);
        var batch = vocabulary.Encode(stories);
        var logits = (batch.Targets * 10f).Clone();
        logits.Data[^vocabulary.Count..][vocabulary.IndexOf("kitchen")] = 20f;   // the last answer says kitchen
        Assert.Equal("\nmary went to the kitchen . john went to the garden . where is mary ? [kitchen] where is john ? [garden]",
            new BabiEpisodeRenderer(vocabulary).Render(batch));
        Assert.Equal("\nmary went to the kitchen . john went to the garden . where is mary ? [kitchen | kitchen] where is john ? [garden | kitchen*]",
            new BabiEpisodeRenderer(vocabulary).Render(batch, logits));
    }
}
