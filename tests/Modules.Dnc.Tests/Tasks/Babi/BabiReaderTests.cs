using Modules.Dnc.Tasks.Babi;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Tasks.Babi;

public sealed class BabiReaderTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "babi-reader-" + Guid.NewGuid().ToString("N"));

    public BabiReaderTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_stories_questions_answers_and_supporting_facts()
    {
        var path = Write("qa8_lists-sets_train.txt",
            "1 Mary got the milk there.\n2 John moved to the bedroom.\n3 What is Mary carrying? \tmilk\t1\n" +
            "1 Daniel grabbed the apple.\n2 Daniel took the football.\n3 What is Daniel carrying?\tapple,football\t1 2\n");
        var stories = BabiReader.ReadFile(path);
        Assert.Equal(2, stories.Count);
        Assert.All(stories, s => Assert.Equal(8, s.Task));
        Assert.Equal(new[] { "mary", "got", "the", "milk", "there", "." }, stories[0].Lines[0].Words);
        var q = stories[0].Lines[2];
        Assert.True(q.IsQuestion);
        Assert.Equal(new[] { "what", "is", "mary", "carrying", "?" }, q.Words);
        Assert.Equal(new[] { "milk" }, q.Answers);
        Assert.Equal(new[] { 1 }, q.SupportingFacts);
        Assert.Equal(3, q.SourceLine);
        var q2 = stories[1].Lines[2];
        Assert.Equal(new[] { "apple", "football" }, q2.Answers);
        Assert.Equal(new[] { 1, 2 }, q2.SupportingFacts);
        Assert.Equal(6, q2.SourceLine);
        Assert.False(stories[1].Lines[0].IsQuestion);
    }

    [Theory]
    [InlineData("1 Mary went home.\nMary went home.\n", "2: expected 'ID TEXT' with ID a positive line number, got 'Mary went home.'")]
    [InlineData("1 Mary went home.\n3 John went home.\n", "2: expected line number 2 (the story's next) or 1 (a new story), got 3")]
    [InlineData("2 Mary went home.\n", "1: expected line number 1 (the story's next) or 1 (a new story), got 2")]
    [InlineData("1 Mary went home.\n2 Where is Mary?\thome\t1\textra\n", "2: a question has 2 or 3 tab-separated fields (question, answer, supporting facts), got 4")]
    [InlineData("1 Mary went home.\n2 Where is Mary?\t\t1\n", "2: the answer must be one or more comma-separated words, got ''")]
    [InlineData("1 Mary went home.\n2 Where is Mary?\thome\t2\n", "2: a supporting fact must be an earlier line number of the story (1–1), got '2'")]
    [InlineData("1 Mary went home.\n2 Where is Mary?\thome\tone\n", "2: a supporting fact must be an earlier line number of the story (1–1), got 'one'")]
    [InlineData("1 Mary went home.\n\n1  \n", "3: the statement is empty")]
    public void Malformed_lines_name_the_file_and_line(string text, string message)
    {
        var path = Write("qa1_single-supporting-fact_train.txt", text);
        var e = Assert.Throws<FormatException>(() => BabiReader.ReadFile(path));
        Assert.Equal("qa1_single-supporting-fact_train.txt:" + message, e.Message);
    }

    [Fact]
    public void The_data_directory_must_exist_and_hold_training_files()
    {
        var missing = Path.Combine(dir, "nowhere");
        Assert.Equal($"bAbI data directory '{missing}' does not exist", Assert.Throws<DirectoryNotFoundException>(() => BabiDataset.Load(missing)).Message);
        Write("README", "not bAbI");
        Assert.Equal($"bAbI data directory '{dir}' holds no qaN_*_train.txt files", Assert.Throws<FileNotFoundException>(() => BabiDataset.Load(dir)).Message);
        var e = Assert.Throws<FormatException>(() => BabiReader.ReadFile(Write("story.txt", "1 A b.\n")));
        Assert.Equal("story.txt: a bAbI file name must start with 'qaN_' (N the task number)", e.Message);
    }

    [Fact]
    public void The_vocabulary_comes_from_the_training_files_of_every_task()
    {
        Write("qa1_a_train.txt", "1 Mary went to the kitchen.\n2 Where is Mary? \tkitchen\t1\n");
        Write("qa1_a_test.txt", "1 Mary went to the kitchen.\n2 Where is Mary? \tkitchen\t1\n");
        Write("qa6_b_train.txt", "1 John went to the garden.\n2 Is John in the garden? \tyes\t1\n");
        Write("qa6_b_valid.txt", "1 John went to the garden.\n2 Is John in the kitchen? \tyes\t1\n");
        var data = BabiDataset.Load(dir);
        Assert.Equal(new[] { 1, 6 }, data.Tasks);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal(6, Assert.Single(data.Validation).Task);
        Assert.Equal(1, Assert.Single(data.Test).Task);
        Assert.Equal(new[] { "-", ".", "?", "garden", "in", "is", "john", "kitchen", "mary", "the", "to", "went", "where", "yes" }, data.Vocabulary.Words);
        // "no" is not a training word: the validation file's line is named.
        Write("qa6_b_valid.txt", "1 John went to the garden.\n2 Is John in the kitchen? \tno\t1\n");
        var e = Assert.Throws<FormatException>(() => BabiDataset.Load(dir));
        Assert.Equal("qa6_b_valid.txt:2: 'no' is not in the vocabulary of the training files", e.Message);
    }
}
