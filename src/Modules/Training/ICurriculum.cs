using Modules.Tensors;

namespace Modules.Training;

/// <summary>
/// A task taught in lessons of growing difficulty. The trainer evaluates the current lesson at intervals on held-out
/// batches (<see cref="TrainerOptions.EvaluationEpisodes"/> episodes in all) and moves to the next lesson when the share
/// of fully correct answers reaches <see cref="PassThreshold"/>; the lesson is part of the checkpoint, so a resumed run
/// continues mid-curriculum.
/// </summary>
public interface ICurriculum
{
    /// <summary>The current lesson, 0-based.</summary>
    int Lesson { get; }

    /// <summary>The number of lessons.</summary>
    int LessonCount { get; }

    /// <summary>The share of fully correct answers, in (0, 1], that passes a lesson.</summary>
    float PassThreshold { get; }

    /// <summary>A one-line description of <paramref name="lesson"/> for reports, e.g. <c>lesson 2: 5–10 nodes, degree 2–3, path 1–3</c>.</summary>
    string Describe(int lesson);

    /// <summary>Moves to <paramref name="lesson"/> (used when resuming and when a lesson is passed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The lesson is not in [0, <see cref="LessonCount"/>).</exception>
    void SetLesson(int lesson);

    /// <summary>A held-out batch of the current lesson only (no replay of earlier lessons).</summary>
    DatasetTensors SampleEvaluation(Generator rng);

    /// <summary>The share of the batch's answers in which every part is right, in [0, 1].</summary>
    /// <param name="logits">The core's output, <c>[T, B, TargetSize]</c>.</param>
    /// <param name="batch">The batch the logits answer.</param>
    float Accuracy(Tensor logits, DatasetTensors batch);
}
