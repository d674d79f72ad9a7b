namespace Modules.Training;

/// <summary>How a <see cref="SequenceTrainer"/> runs: seeds, clipping, divergence, checkpoints, curriculum, ranks.</summary>
public sealed record TrainerOptions
{
    /// <summary>Seeds the batch streams (the model is seeded by its owner).</summary>
    public ulong Seed { get; init; }

    /// <summary>Gradients are scaled so their global norm is at most this; ≤ 0 disables clipping (DeepMind's default 50).</summary>
    public float MaxGradNorm { get; init; } = 50f;

    /// <summary>
    /// A step whose loss or gradient norm is not finite is not applied; after this many such steps in a row the run stops
    /// with a <see cref="TrainingDivergedException"/>.
    /// </summary>
    public int MaxNonFiniteSteps { get; init; } = 10;

    /// <summary>Where checkpoints are read and written; null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Steps between checkpoints; ≤ 0 writes one only at the end of <see cref="SequenceTrainer.Run"/> (and on cancellation).</summary>
    public int CheckpointInterval { get; init; } = 1000;

    /// <summary>Checkpoints kept in the directory (the newest ones).</summary>
    public int CheckpointsKept { get; init; } = 5;

    /// <summary>
    /// A JSON object that identifies the run's model and task (sizes, flags); it is written into every checkpoint and a
    /// checkpoint with another one is refused on resume.
    /// </summary>
    public string Configuration { get; init; } = "{}";

    /// <summary>
    /// For configurations written before a setting existed: the value a saved configuration that lacks the key is taken to
    /// have when it is compared with <see cref="Configuration"/> (see <see cref="Checkpoints.CheckpointDirectory"/>); null: none.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? ConfigurationDefaults { get; init; }

    /// <summary>Steps between held-out evaluations of a curriculum task's current lesson (<see cref="ICurriculum"/>).</summary>
    public int EvaluationInterval { get; init; } = 200;

    /// <summary>
    /// Held-out episodes per evaluation of a curriculum lesson, drawn in batches of the task's batch size (so rounded up to
    /// whole batches); the lesson's accuracy, and the promotion, is over all of them.
    /// </summary>
    public int EvaluationEpisodes { get; init; } = 256;

    /// <summary>
    /// Shards each training batch is cut into, each unrolled and back-propagated on its own thread (at most one per core),
    /// their gradients summed in shard order (see <see cref="DataParallel"/>); 1: the whole batch on the calling thread.
    /// The run's numbers depend on the shard count (the gradient sums in another order) but not on the cores that run it.
    /// The task's <see cref="ITask.Cost"/> must be a mean over the batch's episodes, and the model's
    /// <see cref="ISequenceModel.Unroll"/> and the task's <see cref="ITask.Cost"/> must be safe to run on several threads at
    /// once (no mutable state beyond the parameters), as the library's models and tasks are.
    /// </summary>
    public int BatchShards { get; init; } = 1;

    /// <summary>The ranks of synchronous data-parallel training; null for one process.</summary>
    public IProcessGroup? Group { get; init; }
}
