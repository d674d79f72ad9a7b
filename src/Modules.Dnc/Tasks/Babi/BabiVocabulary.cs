namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// The words a bAbI model reads and answers with, built from the training stories: every token of every line, every
/// answer word and the answer marker '-', in ordinal order (so the same files always give the same indices).
/// </summary>
public sealed class BabiVocabulary
{
    /// <summary>The token fed where an answer goes.</summary>
    public const string AnswerMarker = "-";

    private readonly Dictionary<string, int> index;

    /// <summary>Builds the vocabulary of <paramref name="stories"/>.</summary>
    public BabiVocabulary(IEnumerable<BabiStory> stories)
    {
        ArgumentNullException.ThrowIfNull(stories);
        var words = new SortedSet<string>(StringComparer.Ordinal) { AnswerMarker };
        foreach (var story in stories)
            foreach (var line in story.Lines)
            {
                words.UnionWith(line.Words);
                if (line.Answers is not null) words.UnionWith(line.Answers);
            }
        Words = words.ToArray();
        index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Words.Count; i++) index[Words[i]] = i;
    }

    /// <summary>The words; word i is one-hot channel i.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The number of words, V.</summary>
    public int Count => Words.Count;

    /// <summary>The index of <paramref name="word"/>, or −1 when the training files never use it.</summary>
    public int IndexOf(string word) => index.TryGetValue(word, out int i) ? i : -1;
}
