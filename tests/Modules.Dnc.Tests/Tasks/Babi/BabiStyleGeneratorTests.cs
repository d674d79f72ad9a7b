using System.Text.RegularExpressions;
using Modules.Dnc.Tasks.Babi;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Tasks.Babi;

public sealed class BabiStyleGeneratorTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "babi-gen-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Writes_the_standard_files_and_the_same_seed_writes_the_same_text()
    {
        var files = BabiStyleGenerator.WriteTasks(dir, new Generator(3), 10, 2, 3);
        Assert.Equal(new[]
        {
            "qa1_single-supporting-fact_train.txt", "qa1_single-supporting-fact_valid.txt", "qa1_single-supporting-fact_test.txt",
            "qa2_two-supporting-facts_train.txt", "qa2_two-supporting-facts_valid.txt", "qa2_two-supporting-facts_test.txt",
            "qa6_yes-no-questions_train.txt", "qa6_yes-no-questions_valid.txt", "qa6_yes-no-questions_test.txt",
        }, files.Select(Path.GetFileName));
        var data = BabiDataset.Load(dir);
        Assert.Equal(30, data.Train.Count);
        Assert.Equal(6, data.Validation.Count);
        Assert.Equal(9, data.Test.Count);
        Assert.All(data.Train, s => Assert.Equal(BabiStyleGenerator.QuestionsPerStory, s.QuestionCount));
        Assert.Equal(BabiStyleGenerator.Stories(2, new Generator(8), 5), BabiStyleGenerator.Stories(2, new Generator(8), 5));
        Assert.NotEqual(BabiStyleGenerator.Stories(2, new Generator(8), 5), BabiStyleGenerator.Stories(2, new Generator(9), 5));
    }

    [Fact]
    public void Answers_follow_from_the_story_and_cite_the_facts_that_tell_them()
    {
        // Property over 200 stories per task: re-simulate each story from its text alone, check every answer and that
        // the supporting facts are the lines that tell it.
        foreach (var (task, _) in BabiStyleGenerator.Tasks)
        {
            var stories = BabiReader.Read(new StringReader(BabiStyleGenerator.Stories(task, new Generator(11), 200)), "generated", task);
            Assert.Equal(200, stories.Count);
            foreach (var story in stories)
            {
                var at = new Dictionary<string, (string Place, int Line)>();
                var holder = new Dictionary<string, (string Who, int Line)>();
                var lying = new Dictionary<string, (string Place, int Drop, int Move)>();
                foreach (var line in story.Lines)
                {
                    var text = string.Join(' ', line.Words);
                    if (!line.IsQuestion)
                    {
                        var m = Regex.Match(text, @"^(\w+) (?:moved to|went to|journeyed to|travelled to|went back to) the (\w+) \.$");
                        if (m.Success) { at[m.Groups[1].Value] = (m.Groups[2].Value, line.Id); continue; }
                        m = Regex.Match(text, @"^(\w+) (?:picked up|got|grabbed|took) the (\w+) \.$");
                        if (m.Success) { holder[m.Groups[2].Value] = (m.Groups[1].Value, line.Id); lying.Remove(m.Groups[2].Value); continue; }
                        m = Regex.Match(text, @"^(\w+) (?:dropped|discarded|put down|left) the (\w+) \.$");
                        Assert.True(m.Success, $"unexpected statement '{text}'");
                        var who = m.Groups[1].Value;
                        Assert.Equal(who, holder[m.Groups[2].Value].Who);
                        lying[m.Groups[2].Value] = (at[who].Place, line.Id, at[who].Line);
                        holder.Remove(m.Groups[2].Value);
                        continue;
                    }
                    var answer = Assert.Single(line.Answers!);
                    var q = Regex.Match(text, @"^where is (\w+) \?$");
                    var thing = Regex.Match(text, @"^where is the (\w+) \?$");
                    var yesNo = Regex.Match(text, @"^is (\w+) in the (\w+) \?$");
                    if (thing.Success)
                    {
                        var what = thing.Groups[1].Value;
                        if (lying.TryGetValue(what, out var l))
                        {
                            Assert.Equal(l.Place, answer);
                            Assert.Equal(new[] { l.Drop, l.Move }.Order(), line.SupportingFacts);
                        }
                        else
                        {
                            var (who, taken) = holder[what];
                            Assert.Equal(at[who].Place, answer);
                            Assert.Equal(new[] { taken, at[who].Line }.Order(), line.SupportingFacts);
                        }
                    }
                    else if (yesNo.Success)
                    {
                        Assert.Equal(6, task);
                        var person = at[yesNo.Groups[1].Value];
                        Assert.Equal(person.Place == yesNo.Groups[2].Value ? "yes" : "no", answer);
                        Assert.Equal(new[] { person.Line }, line.SupportingFacts);
                    }
                    else
                    {
                        Assert.True(q.Success, $"unexpected question '{text}'");
                        Assert.NotEqual(6, task);
                        Assert.Equal(at[q.Groups[1].Value].Place, answer);
                        Assert.Equal(new[] { at[q.Groups[1].Value].Line }, line.SupportingFacts);
                    }
                }
            }
        }
    }
}
