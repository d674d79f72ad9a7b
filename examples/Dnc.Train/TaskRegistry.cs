using Modules.Dnc.Tasks;
using Modules.Dnc.Tasks.Babi;
using Modules.Dnc.Tasks.Graph;
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
                case TaskKind.GraphTraversal:
                    return (new TraversalTask(options.BatchSize, passThreshold: options.PassThreshold), new GraphEpisodeRenderer());
                case TaskKind.ShortestPath:
                    return (new ShortestPathTask(options.BatchSize, planningSteps: options.PlanningSteps, passThreshold: options.PassThreshold),
                        new GraphEpisodeRenderer());
                case TaskKind.Inference:
                    return (new InferenceTask(options.BatchSize, planningSteps: options.PlanningSteps, passThreshold: options.PassThreshold),
                        new GraphEpisodeRenderer());
                case TaskKind.Babi:
                    var babi = new BabiTask(LoadBabi(options.DataDir!), options.BatchSize);
                    return (babi, new BabiEpisodeRenderer(babi.Vocabulary));
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

    // The reader's messages already name the directory, or the file and line.
    private static BabiDataset LoadBabi(string directory)
    {
        try
        {
            return BabiDataset.Load(directory);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            throw new UsageException($"--data-dir {directory}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
