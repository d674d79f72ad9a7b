using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace DncTrain;

/// <summary>
/// The checkpoint directory of a training run: <see cref="Checkpoint"/> files (<c>ckpt-000100.safetensors</c>:
/// parameters, optimizer slots, and in the header the step, the run's configuration and the RNG states), written
/// atomically; the newest five are kept. Every problem surfaces as a one-line <see cref="UsageException"/>.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>Metadata key of the report-sample generator's state (the training-batch one uses <see cref="Checkpoint.RngStateKey"/>).</summary>
    public const string SampleRngStateKey = "sample_rng_state";

    private const int Keep = 5;

    /// <summary>Uses <paramref name="directory"/>; nothing is touched until a method is called.</summary>
    public CheckpointStore(string directory) => Directory = directory;

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>Creates the directory if needed and checks that files can be written there.</summary>
    /// <exception cref="UsageException">It is a file, cannot be created, or is not writable.</exception>
    public void EnsureUsable()
    {
        if (File.Exists(Directory)) throw new UsageException($"--checkpoint-dir {Directory} is a file, not a directory");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string probe = Path.Combine(Directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--checkpoint-dir {Directory} is not writable ({OneLine(e.Message)})");
        }
    }

    /// <summary>The newest checkpoint file, or null when there is none.</summary>
    public string? FindLatest() => Checkpoint.FindLatest(Directory);

    /// <summary>
    /// Loads the newest checkpoint into <paramref name="parameters"/> and <paramref name="optimizer"/> after checking it
    /// was written with <paramref name="configuration"/>.
    /// </summary>
    /// <returns>The file and its metadata, or null when the directory holds no checkpoint.</returns>
    /// <exception cref="UsageException">The newest checkpoint is corrupted, from another configuration, or does not fit the model.</exception>
    public (string Path, IReadOnlyDictionary<string, string> Metadata)? LoadLatest(string configuration,
        IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer optimizer)
    {
        string? path = FindLatest();
        if (path is null) return null;
        try
        {
            // Check the configuration first: a different model would otherwise show up as a list of shape mismatches.
            var header = SafeTensors.Read(path).Metadata;
            if (!header.TryGetValue(Checkpoint.ConfigurationKey, out var saved))
                throw new UsageException($"checkpoint {path} is corrupted (no configuration in its header)");
            if (!SameConfiguration(saved, configuration))
                throw new UsageException($"checkpoint {path} was written with another configuration ({Differences(saved, configuration)}); " +
                                         "use the same flags or another --checkpoint-dir");
            var metadata = Checkpoint.Load(path, parameters, optimizer);
            return (path, metadata);
        }
        catch (CheckpointMismatchException e)
        {
            throw new UsageException($"checkpoint {path} does not fit the model: {string.Join("; ", e.Problems)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            throw new UsageException($"checkpoint {path} is corrupted ({OneLine(e.Message)})");
        }
    }

    /// <summary>Writes the checkpoint of <paramref name="step"/> (temp file + rename) and prunes old ones.</summary>
    /// <returns>The written path.</returns>
    /// <exception cref="UsageException">The file cannot be written.</exception>
    public string Save(int step, IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer optimizer,
        IReadOnlyDictionary<string, string> metadata)
    {
        string path = Checkpoint.PathFor(Directory, step);
        var header = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
        {
            [Checkpoint.StepKey] = step.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            Checkpoint.Save(path, parameters, optimizer, header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write checkpoint {path} ({OneLine(e.Message)})");
        }
        Prune();
        return path;
    }

    private void Prune()
    {
        var old = System.IO.Directory.EnumerateFiles(Directory, "ckpt-*.safetensors")
            .Select(f => (File: f, Step: Checkpoint.StepOf(f)))
            .Where(x => x.Step is not null)
            .OrderByDescending(x => x.Step)
            .Skip(Keep)
            .ToList();
        foreach (var (file, _) in old) File.Delete(file);
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    /// <summary>
    /// Whether a checkpoint's configuration equals the run's, as JSON values (key order aside). A configuration written
    /// before <c>--model</c> and <c>--task</c> existed has neither key and means the DNC on repeat copy.
    /// </summary>
    public static bool SameConfiguration(string saved, string current)
    {
        try
        {
            var here = JsonNode.Parse(current);
            return JsonNode.DeepEquals(WithLegacyDefaults(JsonNode.Parse(saved), here), here);
        }
        catch (JsonException)
        {
            return saved == current;
        }
    }

    // Only when the run's configuration has both keys, so that other configurations compare as written.
    private static JsonNode? WithLegacyDefaults(JsonNode? saved, JsonNode? current)
    {
        if (saved is not JsonObject o || o.ContainsKey("model") || o.ContainsKey("task")) return saved;
        if (current is not JsonObject c || !c.ContainsKey("model") || !c.ContainsKey("task")) return saved;
        var upgraded = new JsonObject { ["model"] = "dnc", ["task"] = "repeat-copy" };
        foreach (var (key, value) in o) upgraded[key] = value?.DeepClone();
        return upgraded;
    }

    // "memory_size: checkpoint 16, flags 8; seed: checkpoint 0, flags 1", or the saved text when it is not a JSON object.
    private static string Differences(string saved, string current)
    {
        try
        {
            var here = JsonNode.Parse(current) as JsonObject;
            if (here is null || WithLegacyDefaults(JsonNode.Parse(saved), here) is not JsonObject there) return saved;
            var keys = there.Select(p => p.Key).Union(here.Select(p => p.Key));
            var parts = keys
                .Where(k => there[k]?.ToJsonString() != here[k]?.ToJsonString())
                .Select(k => $"{k}: checkpoint {there[k]?.ToJsonString() ?? "unset"}, flags {here[k]?.ToJsonString() ?? "unset"}");
            return string.Join("; ", parts);
        }
        catch (JsonException)
        {
            return saved;
        }
    }
}
