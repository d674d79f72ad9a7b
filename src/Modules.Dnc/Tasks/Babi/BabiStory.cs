namespace Modules.Dnc.Tasks.Babi;

/// <summary>One numbered line of a bAbI story: a statement, or a question with its answers and supporting facts.</summary>
/// <param name="Id">The line's number within its story, from 1.</param>
/// <param name="Words">The line's tokens: lower-cased words, with '.' and '?' as tokens of their own.</param>
/// <param name="Answers">A question's answer words (several for lists and paths, e.g. <c>n,w</c>); null for a statement.</param>
/// <param name="SupportingFacts">A question's supporting line numbers; null for a statement.</param>
/// <param name="SourceLine">The line's number in its file, from 1, for error messages.</param>
public sealed record BabiLine(int Id, IReadOnlyList<string> Words, IReadOnlyList<string>? Answers, IReadOnlyList<int>? SupportingFacts, int SourceLine)
{
    /// <summary>Whether the line is a question.</summary>
    public bool IsQuestion => Answers is not null;
}

/// <summary>A bAbI story: the lines from one line numbered 1 to the next, statements and questions in order.</summary>
/// <param name="Task">The bAbI task number (1–20, from the file name <c>qaN_…</c>).</param>
/// <param name="File">The file it was read from, for error messages.</param>
/// <param name="Lines">Its lines.</param>
public sealed record BabiStory(int Task, string File, IReadOnlyList<BabiLine> Lines)
{
    /// <summary>The number of questions in the story.</summary>
    public int QuestionCount => Lines.Count(l => l.IsQuestion);
}
