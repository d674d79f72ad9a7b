using Modules.Dnc.Tasks;

namespace DncTrain;

/// <summary>Builds the <c>--task</c> task from the run's flags.</summary>
public static class TaskFactory
{
    /// <summary>Creates the task of <paramref name="options"/>.</summary>
    /// <exception cref="UsageException">The task rejects its settings.</exception>
    public static ITask Create(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return options.Task switch
            {
                TaskKind.Copy => new CopyTask(options.NumBits, options.BatchSize, options.MinLength, options.MaxLength),
                TaskKind.Adding => new AddingTask(options.InputSize, options.BatchSize, options.MinLength, options.MaxLength),
                TaskKind.Argmax => new ArgmaxTask(options.InputSize, options.BatchSize, options.MinLength, options.MaxLength),
                _ => new RepeatCopy(options.NumBits, options.BatchSize, options.MinLength, options.MaxLength,
                    options.MinRepeats, options.MaxRepeats),
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--task {Choices.Name(options.Task)}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
