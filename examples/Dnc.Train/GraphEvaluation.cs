using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Modules.Checkpoints;
using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain;

/// <summary>
/// The <c>evaluate</c> mode: a graph-task checkpoint answers questions on a built-in test graph, the transit map
/// (traversal, shortest path) or generated family trees (inference), and the share of fully correct answers is
/// reported per question length as a table. The model, task and sizes are read from the checkpoint's configuration,
/// so no training flags are repeated: <c>evaluate --checkpoint DIR|FILE [--graph transit-map|family-tree]
/// [--questions N] [--max-length L] [--seed S]</c>.
/// </summary>
public static class GraphEvaluation
{
    /// <summary>The first argument that selects this mode.</summary>
    public const string Mode = "evaluate";

    private const string Usage = "evaluate --checkpoint DIR|FILE [--graph transit-map|family-tree] [--questions N] [--max-length L] [--seed S]";

    /// <summary>One row of the table: questions of one length and how many were fully right.</summary>
    /// <param name="Length">Path length (traversal, shortest path) or relation length (inference).</param>
    /// <param name="Questions">Questions asked.</param>
    /// <param name="Correct">Answers with every digit of every label right.</param>
    public sealed record Row(int Length, int Questions, int Correct)
    {
        /// <summary>Correct / Questions, in [0, 1].</summary>
        public double Accuracy => Questions == 0 ? 0 : (double)Correct / Questions;
    }

    /// <summary>Parses the mode's arguments, evaluates and returns the table as text.</summary>
    /// <exception cref="UsageException">A bad argument, an unreadable checkpoint, a checkpoint of another task, or a graph that does not fit the task.</exception>
    public static string Run(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? checkpoint = null, graph = null;
        int questions = 100;
        int? maxLength = null;
        ulong seed = 0;
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            if (i + 1 >= args.Count) throw new UsageException($"{Mode}: {flag} needs a value (usage: {Usage})");
            string value = args[++i];
            switch (flag)
            {
                case "--checkpoint": checkpoint = value; break;
                case "--graph": graph = value; break;
                case "--questions": questions = ModeArguments.PositiveInt(Mode, flag, value); break;
                case "--max-length": maxLength = ModeArguments.PositiveInt(Mode, flag, value); break;
                case "--seed": seed = ModeArguments.Seed(Mode, value); break;
                default: throw new UsageException($"{Mode}: unknown argument '{flag}' (usage: {Usage})");
            }
        }
        if (string.IsNullOrEmpty(checkpoint)) throw new UsageException($"{Mode} needs --checkpoint DIR|FILE (usage: {Usage})");

        string file = NewestCheckpoint(checkpoint);
        var options = OptionsOf(file);
        if (options.Task is not (TaskKind.GraphTraversal or TaskKind.ShortestPath or TaskKind.Inference))
            throw new UsageException($"{Mode} --checkpoint {file}: trained on --task {Choices.Name(options.Task)}, not a graph task");
        string expected = options.Task == TaskKind.Inference ? "family-tree" : "transit-map";
        graph ??= expected;
        if (graph is not ("transit-map" or "family-tree"))
            throw new UsageException($"{Mode}: --graph must be transit-map or family-tree, got '{graph}'");
        if (graph != expected)
            throw new UsageException($"{Mode}: --graph {graph} does not fit --task {Choices.Name(options.Task)} (use --graph {expected})");

        var trainer = new Trainer(options);
        try
        {
            trainer.Steps.Resume(file);
        }
        catch (TrainingException e)
        {
            throw new UsageException($"{Mode}: {e.Message}");
        }
        var rows = Evaluate(trainer.Model.Sequence, options.Task, options.BatchSize, Lengths(options.Task, maxLength), questions, new Generator(seed));
        var any = new GraphLesson(2, 2, 1, 1, 1, 1);
        string source = options.Task == TaskKind.Inference ? new FamilyTrees().Describe(any) : TransitMap.Default.Describe(any);
        return Format($"{Choices.Name(options.Task)} on the {source}, {file} (step {trainer.CompletedSteps}):", rows);
    }

    /// <summary>
    /// Asks <paramref name="questions"/> questions of each length on the task's built-in graph, in batches of
    /// <paramref name="batchSize"/>, and counts the fully correct answers.
    /// </summary>
    /// <exception cref="UsageException">The graph has no question of one of the lengths.</exception>
    public static IReadOnlyList<Row> Evaluate(ISequenceModel model, TaskKind task, int batchSize, IEnumerable<int> lengths, int questions, Generator rng)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lengths);
        var rows = new List<Row>();
        using var _ = Tensor.NoGrad();
        foreach (int length in lengths)
        {
            // Fixed graphs ignore the lesson's node and degree ranges; only the length counts.
            GraphLesson[] lesson = [new(2, 2, 1, 1, length, length)];
            GraphTask asker = task switch
            {
                TaskKind.Inference => new InferenceTask(batchSize, lesson, new FamilyTrees()),
                TaskKind.ShortestPath => new ShortestPathTask(batchSize, lesson, TransitMap.Default),
                _ => new TraversalTask(batchSize, lesson, TransitMap.Default),
            };
            int correct = 0;
            for (int asked = 0; asked < questions;)
            {
                IReadOnlyList<GraphQuestion> batch;
                try
                {
                    batch = asker.SampleEvaluationQuestions(rng).Take(questions - asked).ToArray();
                }
                catch (InvalidOperationException)
                {
                    throw new UsageException($"{Mode}: the {asker.Source.Describe(lesson[0])} has no {Choices.Name(task)} question of length {length}; lower --max-length");
                }
                var encoded = GraphEpisodes.Encode(batch);
                correct += GraphEpisodes.CorrectAnswers(model.Unroll(encoded.Observations), encoded).Count(c => c);
                asked += batch.Count;
            }
            rows.Add(new Row(length, questions, correct));
        }
        return rows;
    }

    /// <summary>
    /// The lengths asked: traversal and shortest path up to the longest path of their final lesson (20 and 5), inference
    /// every relation length of the family relations; <paramref name="maxLength"/> caps them.
    /// </summary>
    public static IReadOnlyList<int> Lengths(TaskKind task, int? maxLength)
    {
        IEnumerable<int> all = task switch
        {
            TaskKind.Inference => RelationTable.Family.Relations.Select(r => r.Path.Count).Distinct().Order(),
            TaskKind.ShortestPath => Enumerable.Range(1, ShortestPathTask.DefaultLessons[^1].MaxLength),
            _ => Enumerable.Range(1, TraversalTask.DefaultLessons[^1].MaxLength),
        };
        var lengths = all.Where(l => l <= (maxLength ?? int.MaxValue)).ToArray();
        return lengths.Length > 0 ? lengths
            : throw new UsageException($"{Mode}: --max-length {maxLength} leaves no question length for --task {Choices.Name(task)} (shortest: {all.First()})");
    }

    /// <summary>The table: a heading, then <c>length  questions  correct  accuracy</c> per length and a total row.</summary>
    public static string Format(string heading, IReadOnlyList<Row> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(heading).Append('\n');
        sb.Append(inv, $"{"length",6} {"questions",9} {"correct",8} {"accuracy",9}\n");
        foreach (var r in rows.Append(new Row(0, rows.Sum(r => r.Questions), rows.Sum(r => r.Correct))))
            sb.Append(inv, $"{(r.Length == 0 ? "all" : r.Length.ToString(inv)),6} {r.Questions,9} {r.Correct,8} {100 * r.Accuracy,7:0.0} %\n");
        return sb.ToString();
    }

    // A directory means its newest checkpoint.
    private static string NewestCheckpoint(string path)
    {
        if (File.Exists(path)) return path;
        if (!Directory.Exists(path)) throw new UsageException($"{Mode}: --checkpoint {path} does not exist");
        return new CheckpointDirectory(path).FindLatest() ?? throw new UsageException($"{Mode}: --checkpoint {path} holds no checkpoint");
    }

    // The run's flags rebuilt from the configuration the checkpoint records (its keys are the flags' names).
    private static TrainOptions OptionsOf(string file)
    {
        JsonObject configuration;
        try
        {
            var header = CheckpointDirectory.Validate(file);
            configuration = header.Metadata.TryGetValue(Checkpoint.ConfigurationKey, out var json) && JsonNode.Parse(json) is JsonObject o ? o
                : throw new UsageException($"{Mode} --checkpoint {file}: the checkpoint records no configuration");
        }
        catch (CheckpointException e)
        {
            throw new UsageException($"{Mode} --checkpoint {e.FilePath}: {e.Problem}");
        }
        var args = new List<string>();
        foreach (var (key, value) in configuration)
        {
            string flag = $"--{key.Replace('_', '-')}";
            switch (value?.GetValueKind())
            {
                case null or System.Text.Json.JsonValueKind.False: break;
                case System.Text.Json.JsonValueKind.True: args.Add(flag); break; // a switch (--key-mask, --read-before-write) takes no value
                case System.Text.Json.JsonValueKind.String: args.AddRange([flag, value!.GetValue<string>()]); break;
                default: args.AddRange([flag, value!.ToJsonString()]); break;
            }
        }
        return TrainOptions.Parse(args) with { CheckpointDir = "", Quiet = true };
    }
}
