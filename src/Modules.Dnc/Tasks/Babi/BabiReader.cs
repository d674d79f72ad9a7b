using System.Globalization;
using System.Text.RegularExpressions;

namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// Reads the standard bAbI text format (Weston et al. 2015): every line is <c>ID TEXT</c>, IDs counting from 1 within
/// a story and restarting at 1 for the next; a question line is <c>ID QUESTION\tANSWER\tSUPPORTING IDS</c>, the answer
/// comma-separated when it has several words. Errors name the file and line.
/// </summary>
public static partial class BabiReader
{
    /// <summary>Reads a bAbI file; the task number comes from its name (<c>qaN_…</c>).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FormatException">The name or a line is malformed; the message names the file and line number.</exception>
    public static IReadOnlyList<BabiStory> ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        using var reader = new StreamReader(path);
        return Read(reader, name, TaskNumber(name));
    }

    /// <summary>The task number of a file named <c>qaN_…</c>.</summary>
    /// <exception cref="FormatException">The name does not start with <c>qaN_</c>.</exception>
    public static int TaskNumber(string fileName)
    {
        var match = TaskName().Match(fileName);
        if (!match.Success) throw new FormatException($"{fileName}: a bAbI file name must start with 'qaN_' (N the task number)");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Reads stories in the bAbI format.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="fileName">The name errors give.</param>
    /// <param name="task">The task number the stories belong to.</param>
    /// <exception cref="FormatException">A line is malformed; the message names the file and line number.</exception>
    public static IReadOnlyList<BabiStory> Read(TextReader reader, string fileName, int task)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var stories = new List<BabiStory>();
        List<BabiLine>? current = null;
        int lineNumber = 0;
        for (string? text; (text = reader.ReadLine()) is not null;)
        {
            lineNumber++;
            if (text.Trim().Length == 0) continue;
            int space = text.IndexOf(' ');
            if (space <= 0 || !int.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id <= 0)
                throw Error($"expected 'ID TEXT' with ID a positive line number, got '{text}'");
            if (id == 1)
            {
                if (current is not null) stories.Add(new BabiStory(task, fileName, current));
                current = [];
            }
            else if (current is null || id != current[^1].Id + 1)
                throw Error($"expected line number {(current is null ? 1 : current[^1].Id + 1)} (the story's next) or 1 (a new story), got {id}");

            var fields = text[(space + 1)..].Split('\t');
            if (fields.Length == 1)
            {
                var words = Tokenize(fields[0]);
                if (words.Count == 0) throw Error("the statement is empty");
                current.Add(new BabiLine(id, words, null, null, lineNumber));
                continue;
            }
            if (fields.Length > 3) throw Error($"a question has 2 or 3 tab-separated fields (question, answer, supporting facts), got {fields.Length}");
            var question = Tokenize(fields[0]);
            var answers = fields[1].Trim().ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries);
            if (question.Count == 0) throw Error("the question is empty");
            if (answers.Any(a => a.Length == 0 || a.Contains(' '))) throw Error($"the answer must be one or more comma-separated words, got '{fields[1]}'");
            var support = new List<int>();
            foreach (var part in (fields.Length == 3 ? fields[2] : "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int fact) || fact < 1 || fact >= id)
                    throw Error($"a supporting fact must be an earlier line number of the story (1–{id - 1}), got '{part}'");
                support.Add(fact);
            }
            current.Add(new BabiLine(id, question, answers, support, lineNumber));
        }
        if (current is not null) stories.Add(new BabiStory(task, fileName, current));
        return stories;

        FormatException Error(string message) => new($"{fileName}:{lineNumber}: {message}");
    }

    /// <summary>The paper's tokens: lower-cased words split on white space, with '.' and '?' as tokens of their own.</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spaced = text.ToLowerInvariant().Replace(".", " . ", StringComparison.Ordinal).Replace("?", " ? ", StringComparison.Ordinal);
        return spaced.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    [GeneratedRegex(@"^qa(\d+)_")]
    private static partial Regex TaskName();
}
