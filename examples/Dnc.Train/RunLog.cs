using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DncTrain;

/// <summary>One report of a run, as one line of a <c>--log-file</c> (JSON lines).</summary>
/// <param name="Step">Training steps completed (counted across resumes).</param>
/// <param name="Loss">Average training loss since the previous report.</param>
/// <param name="Metric">What <paramref name="Value"/> measures, e.g. <c>bit errors per sequence</c>.</param>
/// <param name="Value">Average of the task's metric since the previous report.</param>
/// <param name="StepsPerSecond">Training speed since the previous report.</param>
/// <param name="Seconds">Seconds since this run (not the resumed one) started.</param>
/// <param name="Lesson">The curriculum lesson being trained at this step, for tasks with one; otherwise absent.</param>
public sealed record LogRecord(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("steps_per_s")] double StepsPerSecond,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("lesson")] int? Lesson = null);

/// <summary>A held-out evaluation of a curriculum lesson, as one line of a <c>--log-file</c>.</summary>
/// <param name="Step">Training steps completed.</param>
/// <param name="Lesson">The lesson evaluated.</param>
/// <param name="Accuracy">The share of fully correct answers over <paramref name="Episodes"/> held-out questions.</param>
/// <param name="Episodes">Held-out questions evaluated.</param>
/// <param name="Promoted">Whether the run moved on to the next lesson after it.</param>
public sealed record EvaluationRecord(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("evaluated_lesson")] int Lesson,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("episodes")] int Episodes,
    [property: JsonPropertyName("promoted")] bool Promoted);

/// <summary>What a log holds: the reports and, for a curriculum, the held-out evaluations, each in file order.</summary>
/// <param name="Reports">One record per report.</param>
/// <param name="Evaluations">One record per lesson evaluation (none for tasks without a curriculum).</param>
public sealed record RunHistory(IReadOnlyList<LogRecord> Reports, IReadOnlyList<EvaluationRecord> Evaluations);

/// <summary>
/// The JSON-lines log of <c>--log-file</c>: one <see cref="LogRecord"/> object per line, appended, so a resumed run
/// continues the same file and any tool that reads JSON lines (pandas, jq, <c>dnc-train plot</c>) can draw it. Runs of a
/// curriculum task add one <see cref="EvaluationRecord"/> line per held-out evaluation (told apart by <c>evaluated_lesson</c>).
/// </summary>
public sealed class RunLog : IDisposable
{
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly StreamWriter writer;

    private RunLog(StreamWriter writer) => this.writer = writer;

    /// <summary>Opens <paramref name="path"/> for appending, creating it and its directory if needed.</summary>
    /// <exception cref="UsageException">The file cannot be opened.</exception>
    public static RunLog Open(string path)
    {
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            return new RunLog(new StreamWriter(path, append: true) { AutoFlush = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--log-file {path}: cannot open it for writing ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>Appends one record as one line.</summary>
    public void Write(LogRecord record) => writer.WriteLine(Format(record));

    /// <summary>Appends one evaluation as one line.</summary>
    public void Write(EvaluationRecord record) => writer.WriteLine(JsonSerializer.Serialize(record, Json));

    /// <summary>The record as one line of JSON, e.g. <c>{"step":100,"loss":9.37,"metric":"bit errors per sequence",...}</c>.</summary>
    public static string Format(LogRecord record) => JsonSerializer.Serialize(record, Json);

    /// <summary>Reads every report of a log (<see cref="ReadHistory"/> without the evaluations).</summary>
    /// <exception cref="UsageException">The file is missing or a line is not a record (names the file and line).</exception>
    public static IReadOnlyList<LogRecord> Read(string path) => ReadHistory(path).Reports;

    /// <summary>Reads every report and evaluation of a log; blank lines are skipped.</summary>
    /// <exception cref="UsageException">The file is missing or a line is not a record (names the file and line).</exception>
    public static RunHistory ReadHistory(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot read the log ({e.Message.ReplaceLineEndings(" ")})");
        }
        var records = new List<LogRecord>();
        var evaluations = new List<EvaluationRecord>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                if (lines[i].Contains("\"evaluated_lesson\"", StringComparison.Ordinal))
                {
                    evaluations.Add(JsonSerializer.Deserialize<EvaluationRecord>(lines[i], Json) ?? throw new JsonException("null"));
                    continue;
                }
                var record = JsonSerializer.Deserialize<LogRecord>(lines[i], Json);
                if (record is null || record.Metric is null)
                    throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{path}:{i + 1}: not a log record (expected step, loss, metric, value)"));
                records.Add(record);
            }
            catch (JsonException e)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{path}:{i + 1}: not a log record ({e.Message.ReplaceLineEndings(" ")})"));
            }
        }
        return new RunHistory(records, evaluations);
    }

    /// <inheritdoc/>
    public void Dispose() => writer.Dispose();
}
