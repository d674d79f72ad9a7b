using Modules.Tensors;
using Modules.Training;

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

    /// <summary>
    /// Encodes stories, one per batch entry: each token one-hot at its step; after a question, one '-' step per
    /// answer word whose target is that word's one-hot and whose mask is 1. Shorter stories are padded with zeros.
    /// </summary>
    /// <returns>Observations <c>[T, B, V]</c>, targets <c>[T, B, V]</c>, mask <c>[T, B]</c>.</returns>
    /// <exception cref="FormatException">A word is not in the vocabulary; the message names the file and line.</exception>
    public DatasetTensors Encode(IReadOnlyList<BabiStory> stories)
    {
        ArgumentNullException.ThrowIfNull(stories);
        if (stories.Count == 0) throw new ArgumentException("BabiVocabulary.Encode: no stories to encode");
        int batch = stories.Count, steps = stories.Max(BabiTask.Length), v = Count;
        int marker = IndexOf(AnswerMarker);
        var obs = new float[steps * batch * v];
        var targ = new float[steps * batch * v];
        var mask = new float[steps * batch];
        for (int b = 0; b < batch; b++)
        {
            int t = 0;
            var story = stories[b];
            foreach (var line in story.Lines)
            {
                foreach (var word in line.Words) obs[(t++ * batch + b) * v + Index(story, line, word)] = 1f;
                foreach (var answer in line.Answers ?? [])
                {
                    obs[(t * batch + b) * v + marker] = 1f;
                    targ[(t * batch + b) * v + Index(story, line, answer)] = 1f;
                    mask[t++ * batch + b] = 1f;
                }
            }
        }
        return new DatasetTensors(new Tensor(obs, steps, batch, v), new Tensor(targ, steps, batch, v), new Tensor(mask, steps, batch));
    }

    private int Index(BabiStory story, BabiLine line, string word)
    {
        int i = IndexOf(word);
        return i >= 0 ? i : throw UnknownWord(story, line, word);
    }

    /// <summary>The error for a word the training files never use, naming the file and line.</summary>
    internal static FormatException UnknownWord(BabiStory story, BabiLine line, string word) =>
        new($"{story.File}:{line.SourceLine}: '{word}' is not in the vocabulary of the training files");
}
