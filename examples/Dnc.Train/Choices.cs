using System.Text.RegularExpressions;

namespace DncTrain;

/// <summary>The core trained: <c>--model dnc|ntm|sam|sdnc|lstm</c>.</summary>
public enum ModelKind
{
    /// <summary>The Differentiable Neural Computer (DeepMind's DNC).</summary>
    Dnc,
    /// <summary>The Neural Turing Machine (Graves et al. 2014).</summary>
    Ntm,
    /// <summary>Sparse Access Memory (Rae et al. 2016).</summary>
    Sam,
    /// <summary>The sparse DNC (Rae et al. 2016).</summary>
    Sdnc,
    /// <summary>A baseline without memory: an LSTM and <c>output_linear</c> (<see cref="LstmBaseline"/>).</summary>
    Lstm,
}

/// <summary>The task trained on: <c>--task repeat-copy|copy|adding|argmax|graph-traversal|shortest-path|inference|babi</c>.</summary>
public enum TaskKind
{
    /// <summary>DeepMind's repeat copy.</summary>
    RepeatCopy,
    /// <summary>The NTM paper's copy.</summary>
    Copy,
    /// <summary>The PyTorch DNC library's adding task.</summary>
    Adding,
    /// <summary>The PyTorch DNC library's argmax task.</summary>
    Argmax,
    /// <summary>Graph traversal with a curriculum (Graves et al. 2016).</summary>
    GraphTraversal,
    /// <summary>Shortest path with a curriculum (Graves et al. 2016).</summary>
    ShortestPath,
    /// <summary>Inference over relations (edge-label sequences) with a curriculum (Graves et al. 2016).</summary>
    Inference,
    /// <summary>bAbI question answering from the files in <c>--data-dir</c>.</summary>
    Babi,
}

/// <summary>The NTM's controller: <c>--controller lstm|feedforward</c>.</summary>
public enum ControllerKind
{
    /// <summary>An LSTM controller.</summary>
    Lstm,
    /// <summary>A feed-forward controller.</summary>
    FeedForward,
}

/// <summary>The nearest-neighbour search of the SAM/SDNC reads: <c>--index exact|forest</c>.</summary>
public enum IndexKind
{
    /// <summary>Exact search over every memory row (<c>ExactNearestNeighbours</c>).</summary>
    Exact,
    /// <summary>Approximate search in a randomised k-d forest (<c>RandomisedKdForest</c>), built once per memory.</summary>
    Forest,
}

/// <summary>The optimizer of the run: <c>--optimizer rmsprop|adam</c>.</summary>
public enum OptimizerKind
{
    /// <summary>RMSProp as TensorFlow 1 has it (<c>train.py</c>'s optimizer).</summary>
    RmsProp,
    /// <summary>Adam (Kingma &amp; Ba) with its usual β1 0.9 and β2 0.999.</summary>
    Adam,
}

/// <summary>The command-line spelling of the choices.</summary>
public static class Choices
{
    /// <summary>The flag value of a model, e.g. <c>dnc</c>.</summary>
    public static string Name(ModelKind model) => model.ToString().ToLowerInvariant();

    /// <summary>The flag value of a task: its name in kebab case, e.g. <c>repeat-copy</c>, <c>graph-traversal</c>.</summary>
    public static string Name(TaskKind task) => Regex.Replace(task.ToString(), "(?<=[a-z])(?=[A-Z])", "-").ToLowerInvariant();

    /// <summary>The flag value of a controller, e.g. <c>feedforward</c>.</summary>
    public static string Name(ControllerKind controller) => controller.ToString().ToLowerInvariant();

    /// <summary>The flag value of a nearest-neighbour index, e.g. <c>forest</c>.</summary>
    public static string Name(IndexKind index) => index.ToString().ToLowerInvariant();

    /// <summary>The flag value of an optimizer, e.g. <c>rmsprop</c>.</summary>
    public static string Name(OptimizerKind optimizer) => optimizer.ToString().ToLowerInvariant();

    /// <summary>Parses <c>--flag value</c> into one of <typeparamref name="T"/>'s values by its command-line name.</summary>
    /// <exception cref="UsageException">No value has that name; the message lists the choices.</exception>
    public static T Parse<T>(string flag, string value, Func<T, string> name) where T : struct, Enum
    {
        foreach (var choice in Enum.GetValues<T>())
            if (name(choice) == value) return choice;
        throw new UsageException($"--{flag} must be one of {string.Join(", ", Enum.GetValues<T>().Select(name))}, got '{value}'");
    }
}
