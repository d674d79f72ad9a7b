using System.Globalization;
using System.Text;

namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// Question counts per bAbI task and the figures the paper's tables give: the error per task, the mean error over
/// tasks and the number of failed tasks (error above 5 %).
/// </summary>
public sealed class BabiScore
{
    /// <summary>The error above which a task counts as failed, 5 %.</summary>
    public const double FailureThreshold = 0.05;

    private readonly SortedDictionary<int, (int Correct, int Total)> tasks = [];

    /// <summary>Counts one question of <paramref name="task"/>.</summary>
    public void Add(int task, bool correct)
    {
        tasks.TryGetValue(task, out var counts);
        tasks[task] = (counts.Correct + (correct ? 1 : 0), counts.Total + 1);
    }

    /// <summary>Questions right and asked, per task, ascending by task.</summary>
    public IReadOnlyDictionary<int, (int Correct, int Total)> PerTask => tasks;

    /// <summary>The share of <paramref name="task"/>'s questions answered wrongly.</summary>
    /// <exception cref="KeyNotFoundException">No question of the task was counted.</exception>
    public double Error(int task)
    {
        if (!tasks.TryGetValue(task, out var counts)) throw new KeyNotFoundException($"BabiScore: no question of task {task} was counted");
        return (double)(counts.Total - counts.Correct) / counts.Total;   // not 1 − c/t, which rounds 1/20 above 0.05
    }

    /// <summary>The mean of the per-task errors (each task weighs the same, as in the paper's tables); 0 when empty.</summary>
    public double MeanError => tasks.Count == 0 ? 0 : tasks.Keys.Average(Error);

    /// <summary>The number of tasks whose error is above <see cref="FailureThreshold"/>.</summary>
    public int FailedTasks => tasks.Keys.Count(t => Error(t) > FailureThreshold);

    /// <summary>The table: one row per task (<c>task 1  error 2.4 %  (976/1000)</c>), then the mean error and the failed tasks.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        foreach (var (task, (correct, total)) in tasks)
            sb.Append(inv, $"task {task,2}  error {100 * Error(task),5:0.0} %  ({correct}/{total})\n");
        sb.Append(inv, $"mean error {100 * MeanError:0.0} %, failed tasks (error > 5 %): {FailedTasks} of {tasks.Count}");
        return sb.ToString();
    }
}
