namespace Modules.Training;

/// <summary>A training run cannot go on: a checkpoint does not belong to it, cannot be written, or the ranks disagree. The message is one line.</summary>
public class TrainingException : Exception
{
    /// <summary>Creates the exception with a one-line <paramref name="message"/>.</summary>
    public TrainingException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line <paramref name="message"/> and its cause.</summary>
    public TrainingException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>The loss or the gradients stayed non-finite for <see cref="TrainerOptions.MaxNonFiniteSteps"/> steps in a row.</summary>
public sealed class TrainingDivergedException : TrainingException
{
    /// <summary>Creates the exception for the run that diverged at <paramref name="step"/>.</summary>
    public TrainingDivergedException(int step, int consecutive)
        : base($"training diverged: {consecutive} steps in a row up to step {step} had a non-finite loss or gradient; none of them was applied " +
               "(lower the learning rate or the gradient clipping norm)")
    {
        Step = step;
        Consecutive = consecutive;
    }

    /// <summary>The number of completed steps when the run stopped.</summary>
    public int Step { get; }

    /// <summary>The non-finite steps in a row.</summary>
    public int Consecutive { get; }
}
