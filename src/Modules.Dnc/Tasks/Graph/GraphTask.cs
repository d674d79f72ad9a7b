using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks.Graph;

/// <summary>
/// What the three graph tasks share: the 92-input, 9 ten-way softmax encoding (<see cref="TripleEncoding"/>), the
/// curriculum of lessons with replay of earlier lessons, masked softmax cross-entropy on the answer steps, and accuracy
/// as the share of answers in which every digit of every label is right. A task adds how it asks a question.
/// </summary>
/// <remarks>
/// Replay: each batch entry independently comes from a uniformly chosen earlier lesson with probability
/// <see cref="ReplayFraction"/> (10 % by default, as in the paper), otherwise from the current lesson. Evaluation
/// batches come from the current lesson only. The trainer moves to the next lesson when <see cref="Accuracy"/> over its
/// evaluation batches (<see cref="TrainerOptions.EvaluationEpisodes"/> episodes) reaches <see cref="PassThreshold"/> (90 % by
/// default, as in the paper).
/// </remarks>
public abstract class GraphTask : ITask, ICurriculum
{
    /// <summary>How many graphs a question may be drawn from before the lesson is declared unanswerable.</summary>
    private const int MaxAttempts = 1000;

    private readonly GraphLesson[] lessons;
    private int lesson;

    /// <summary>Checks and keeps the settings; messages name the concrete task.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or a lesson cannot be served by the source.</exception>
    private protected GraphTask(GraphSource source, IReadOnlyList<GraphLesson> lessons, int batchSize, float passThreshold, float replayFraction)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(lessons);
        string name = GetType().Name;
        if (lessons.Count == 0) throw new ArgumentException($"{name}: the curriculum has no lessons");
        if (batchSize <= 0) throw new ArgumentException($"{name}: batchSize must be positive, got {batchSize}");
        if (!(passThreshold > 0f && passThreshold <= 1f)) throw new ArgumentException($"{name}: passThreshold must be in (0, 1], got {passThreshold}");
        if (!(replayFraction >= 0f && replayFraction < 1f)) throw new ArgumentException($"{name}: replayFraction must be in [0, 1), got {replayFraction}");
        for (int i = 0; i < lessons.Count; i++)
        {
            lessons[i].Validate($"{name} lesson {i}");
            source.Validate(lessons[i], $"{name} lesson {i}");
        }
        Source = source;
        this.lessons = lessons.ToArray();
        BatchSize = batchSize;
        PassThreshold = passThreshold;
        ReplayFraction = replayFraction;
    }

    /// <summary>Where the graphs come from.</summary>
    public GraphSource Source { get; }

    /// <summary>The curriculum, easiest first.</summary>
    public IReadOnlyList<GraphLesson> Lessons => lessons;

    /// <summary>The share of batch entries drawn from an earlier lesson (when there is one).</summary>
    public float ReplayFraction { get; }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>Observation width, 92: a triple and the query and answer flags.</summary>
    public int ObservationSize => TripleEncoding.ObservationSize;

    /// <summary>Target width, 90: 9 ten-way softmaxes (3 labels × 3 digits).</summary>
    public int TargetSize => TripleEncoding.TripleSize;

    /// <summary>The longest episode over all lessons: the most edges plus the longest query, planning and answer.</summary>
    public int MaxEpisodeLength => lessons.Max(l => Source.MaxEdges(l) + MaxQuestionSteps(l));

    /// <summary>What a question's length counts, for descriptions: <c>path</c> or <c>relation</c>.</summary>
    private protected abstract string LengthName { get; }

    /// <summary>The most query, planning and answer steps a question of <paramref name="lesson"/> takes.</summary>
    private protected abstract int MaxQuestionSteps(GraphLesson lesson);

    /// <summary>Draws a question from one graph, or returns null when this graph has none of the drawn kind (another graph is drawn).</summary>
    private protected abstract GraphQuestion? TryAsk(Generator rng, LabeledGraph graph, int lessonIndex);

    /// <summary>Draws one question of lesson <paramref name="lessonIndex"/>: a graph from <see cref="Source"/>, then the question on it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The lesson does not exist.</exception>
    /// <exception cref="InvalidOperationException">No question was found on a thousand graphs (the lesson's ranges do not fit the source).</exception>
    public GraphQuestion Ask(Generator rng, int lessonIndex)
    {
        ArgumentNullException.ThrowIfNull(rng);
        CheckLesson(lessonIndex);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
            if (TryAsk(rng, Source.Draw(rng, lessons[lessonIndex]), lessonIndex) is { } question) return question;
        throw new InvalidOperationException($"{GetType().Name}: no question of lesson {lessonIndex} ({Describe(lessonIndex)}) on {MaxAttempts} graphs");
    }

    /// <summary>
    /// Draws a training batch's questions: per entry, with probability <see cref="ReplayFraction"/> a uniformly chosen
    /// earlier lesson (when the current lesson is not the first), else the current one.
    /// </summary>
    public IReadOnlyList<GraphQuestion> SampleQuestions(Generator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var questions = new GraphQuestion[BatchSize];
        for (int b = 0; b < BatchSize; b++)
        {
            int from = lesson > 0 && rng.NextDouble() < ReplayFraction ? rng.NextInt(0, lesson) : lesson;
            questions[b] = Ask(rng, from);
        }
        return questions;
    }

    /// <summary>A training batch (<see cref="SampleQuestions"/>, encoded).</summary>
    /// <returns>Observations <c>[T, B, 92]</c>, targets <c>[T, B, 90]</c>, mask <c>[T, B]</c>.</returns>
    public DatasetTensors Sample(Generator rng) => GraphEpisodes.Encode(SampleQuestions(rng));

    /// <summary>Questions of the current lesson only, one per batch entry.</summary>
    public IReadOnlyList<GraphQuestion> SampleEvaluationQuestions(Generator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var questions = new GraphQuestion[BatchSize];
        for (int b = 0; b < BatchSize; b++) questions[b] = Ask(rng, lesson);
        return questions;
    }

    /// <inheritdoc/>
    public DatasetTensors SampleEvaluation(Generator rng) => GraphEpisodes.Encode(SampleEvaluationQuestions(rng));

    /// <summary>Masked softmax cross-entropy of the 9 digit softmaxes on the answer steps, summed over time, averaged over the batch.</summary>
    /// <param name="logits">The core's output, <c>[T, B, 90]</c>.</param>
    /// <param name="batch">The batch answered.</param>
    /// <returns>A scalar tensor.</returns>
    public Tensor Cost(Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Tensor.SoftmaxCrossEntropy(logits, batch.Targets, batch.Mask, TripleEncoding.Classes);
    }

    /// <inheritdoc/>
    public string MetricName => "fully correct answers";

    /// <summary>The share of fully correct answers (<see cref="Accuracy"/>).</summary>
    public float Metric(Tensor logits, DatasetTensors batch) => Accuracy(logits, batch);

    /// <inheritdoc/>
    public int Lesson => lesson;

    /// <inheritdoc/>
    public int LessonCount => lessons.Length;

    /// <inheritdoc/>
    public float PassThreshold { get; }

    /// <summary><c>lesson 2: 5–15 nodes, degree 2–3, path 1–4</c>.</summary>
    public string Describe(int lessonIndex)
    {
        CheckLesson(lessonIndex);
        var l = lessons[lessonIndex];
        return $"lesson {lessonIndex}: {Source.Describe(l)}, {LengthName} {GraphLesson.Range(l.MinLength, l.MaxLength)}";
    }

    /// <inheritdoc/>
    public void SetLesson(int lessonIndex)
    {
        CheckLesson(lessonIndex);
        lesson = lessonIndex;
    }

    /// <summary>The share of batch entries whose answer has every digit of every label right, in [0, 1].</summary>
    /// <param name="logits">The core's output, <c>[T, B, 90]</c>.</param>
    /// <param name="batch">The batch answered.</param>
    public float Accuracy(Tensor logits, DatasetTensors batch) =>
        AnswerRuns.Accuracy($"{GetType().Name}.Accuracy", logits, batch, TripleEncoding.Classes);

    /// <summary>The graph's triples in random order: the description phase.</summary>
    private protected static GraphTriple[] DescriptionOf(Generator rng, LabeledGraph graph)
    {
        var triples = graph.Edges.Select(graph.Triple).ToArray();
        Labels.Shuffle(rng, triples);
        return triples;
    }

    private void CheckLesson(int lessonIndex)
    {
        if ((uint)lessonIndex >= (uint)lessons.Length)
            throw new ArgumentOutOfRangeException(nameof(lessonIndex), $"{GetType().Name}: lesson must be in [0, {lessons.Length}), got {lessonIndex}");
    }
}
