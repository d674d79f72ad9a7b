using Modules.Dnc.Tasks;
using Modules.Training;

namespace DncTrain;

/// <summary>Builds the <c>--task</c> task and how its episodes are shown, from the run's flags.</summary>
public static class TaskRegistry
{
    /// <summary>Creates the task of <paramref name="options"/> and its renderer.</summary>
    /// <exception cref="UsageException">The task rejects its settings.</exception>
    public static (ITask Task, IEpisodeRenderer Renderer) Create(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            switch (options.Task)
            {
                case TaskKind.Copy:
                    var copy = new CopyTask(options.NumBits, options.BatchSize, options.MinLength, options.MaxLength);
                    return (copy, copy.Renderer);
                case TaskKind.Adding:
                    var adding = new AddingTask(options.InputSize, options.BatchSize, options.MinLength, options.MaxLength);
                    return (adding, adding.Renderer);
                case TaskKind.Argmax:
                    var argmax = new ArgmaxTask(options.InputSize, options.BatchSize, options.MinLength, options.MaxLength);
                    return (argmax, argmax.Renderer);
                default:
                    var repeatCopy = new RepeatCopy(options.NumBits, options.BatchSize, options.MinLength, options.MaxLength,
                        options.MinRepeats, options.MaxRepeats);
                    return (repeatCopy, repeatCopy.Renderer);
            }
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--task {Choices.Name(options.Task)}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
