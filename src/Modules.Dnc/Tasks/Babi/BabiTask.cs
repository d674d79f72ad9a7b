using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// bAbI question answering as in Graves et al. 2016 (Methods): each story is fed one word per step as a one-hot over
/// the vocabulary, with the answer marker '-' in place of each answer word after its question; the model answers with
/// a softmax over the vocabulary at those steps, and only there is it scored. Training draws stories from all tasks in
/// the data set jointly.
/// </summary>
/// <remarks>
/// A story is fed whole, every question in place (the paper's "each story … as a sequence of words"); a question whose
/// answer has several words (lists, paths) gets one '-' per word, and is correct only when every word is. Training
/// batches draw stories uniformly with replacement from the training set.
/// </remarks>
public sealed class BabiTask : ITask
{
    /// <summary>Creates the task over a data set.</summary>
    /// <param name="data">The stories and vocabulary.</param>
    /// <param name="batchSize">Stories per batch.</param>
    /// <exception cref="ArgumentException">The batch size is not positive.</exception>
    public BabiTask(BabiDataset data, int batchSize = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentException($"BabiTask: batchSize must be positive, got {batchSize}");
        Data = data;
        BatchSize = batchSize;
        MaxEpisodeLength = data.Train.Concat(data.Validation).Concat(data.Test).Max(Length);
    }

    /// <summary>The stories and vocabulary.</summary>
    public BabiDataset Data { get; }

    /// <summary>The vocabulary (<see cref="BabiDataset.Vocabulary"/>).</summary>
    public BabiVocabulary Vocabulary => Data.Vocabulary;

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>Observation width: the vocabulary size V.</summary>
    public int ObservationSize => Vocabulary.Count;

    /// <summary>Target width: the vocabulary size V (one softmax).</summary>
    public int TargetSize => Vocabulary.Count;

    /// <summary>The longest story of any split, in steps.</summary>
    public int MaxEpisodeLength { get; }

    /// <summary>A training batch: <see cref="BatchSize"/> stories drawn uniformly with replacement, encoded.</summary>
    /// <returns>Observations <c>[T, B, V]</c>, targets <c>[T, B, V]</c>, mask <c>[T, B]</c>.</returns>
    public DatasetTensors Sample(Generator rng) => Vocabulary.Encode(SampleStories(rng));

    /// <summary>The stories of a training batch.</summary>
    public IReadOnlyList<BabiStory> SampleStories(Generator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var stories = new BabiStory[BatchSize];
        for (int b = 0; b < BatchSize; b++) stories[b] = Data.Train[rng.NextInt(0, Data.Train.Count)];
        return stories;
    }

    /// <summary>Softmax cross-entropy over the vocabulary at the answer steps, summed over time, averaged over the batch.</summary>
    /// <param name="logits">The core's output, <c>[T, B, V]</c>.</param>
    /// <param name="batch">The batch answered.</param>
    /// <returns>A scalar tensor.</returns>
    public Tensor Cost(Tensor logits, DatasetTensors batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Tensor.SoftmaxCrossEntropy(logits, batch.Targets, batch.Mask, Vocabulary.Count);
    }

    /// <inheritdoc/>
    public string MetricName => "question error rate";

    /// <summary>The share of questions with some answer word wrong, in [0, 1].</summary>
    /// <param name="logits">The core's output, <c>[T, B, V]</c>.</param>
    /// <param name="batch">The batch answered.</param>
    public float Metric(Tensor logits, DatasetTensors batch) => 1f - AnswerRuns.Accuracy("BabiTask.Metric", logits, batch, Vocabulary.Count);

    /// <summary>Adds each question of <paramref name="stories"/> to <paramref name="score"/> under its story's task, right or wrong.</summary>
    /// <param name="stories">The stories <paramref name="batch"/> was encoded from, in entry order.</param>
    /// <param name="logits">The core's output, <c>[T, B, V]</c>.</param>
    /// <param name="batch">The encoded batch.</param>
    /// <param name="score">The tally to add to.</param>
    public void Score(IReadOnlyList<BabiStory> stories, Tensor logits, DatasetTensors batch, BabiScore score)
    {
        ArgumentNullException.ThrowIfNull(stories);
        ArgumentNullException.ThrowIfNull(score);
        var correct = AnswerRuns.Correct("BabiTask.Score", logits, batch, Vocabulary.Count);
        var runs = AnswerRuns.Find(batch.Mask);
        if (runs.Count != stories.Sum(s => s.QuestionCount))
            throw new ArgumentException($"BabiTask.Score: the batch has {runs.Count} answers but the stories ask {stories.Sum(s => s.QuestionCount)} questions");
        for (int i = 0; i < runs.Count; i++) score.Add(stories[runs[i].Entry].Task, correct[i]);
    }

    /// <summary>A story's number of steps: its tokens plus one per answer word.</summary>
    public static int Length(BabiStory story)
    {
        ArgumentNullException.ThrowIfNull(story);
        return story.Lines.Sum(l => l.Words.Count + (l.Answers?.Count ?? 0));
    }
}
