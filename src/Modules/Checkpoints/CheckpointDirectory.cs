using System.Text.Json;
using System.Text.Json.Nodes;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Checkpoints;

/// <summary>
/// The checkpoint directory of a training run: <see cref="Checkpoint"/> files named <c>ckpt-000100.safetensors</c>
/// (parameters, optimizer slots, and in the header the step, the run's configuration and RNG states), written
/// atomically; the newest <see cref="Keep"/> are kept, and rotation never deletes the newest valid checkpoint.
/// <para>
/// Non-finite values never reach the directory: <see cref="Save"/> refuses parameters or slots holding NaN or ±∞
/// (<see cref="CheckpointException"/>, nothing written, nothing deleted), so a diverging run cannot rotate its last
/// finite checkpoint away. Loading is never a silent fall-back: <see cref="LoadLatest"/> loads the newest checkpoint or
/// throws; a caller that wants the newest checkpoint that passes every check asks <see cref="FindLatestValid"/>, which
/// also lists the newer ones it rejected and why, and loads that with <see cref="Load"/>.
/// </para>
/// Every failure is a <see cref="CheckpointException"/> (one line naming the file or directory).
/// </summary>
public sealed class CheckpointDirectory
{
    /// <summary>Uses <paramref name="path"/>; nothing is touched until a method is called.</summary>
    /// <param name="path">The directory (created by <see cref="EnsureWritable"/> or the first <see cref="Save"/>).</param>
    /// <param name="keep">How many of the newest checkpoints rotation keeps; at least 1.</param>
    /// <param name="configurationDefaults">
    /// For configurations written before a setting existed: the value (JSON) a saved configuration that lacks the key is
    /// taken to have when it is compared with the run's, e.g. <c>{"model": "dnc"}</c>. Null: none.
    /// </param>
    public CheckpointDirectory(string path, int keep = 5, JsonObject? configurationDefaults = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Path = path;
        Keep = keep;
        this.configurationDefaults = configurationDefaults?.DeepClone().AsObject();
    }

    private readonly JsonObject? configurationDefaults;

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>How many of the newest checkpoints <see cref="Prune"/> keeps (besides the newest valid one).</summary>
    public int Keep { get; }

    /// <summary>Creates the directory if needed and checks that files can be written there.</summary>
    /// <exception cref="CheckpointException">It is a file, cannot be created, or is not writable.</exception>
    public void EnsureWritable()
    {
        if (File.Exists(Path)) throw new CheckpointException(Path, "is a file, not a directory");
        try
        {
            Directory.CreateDirectory(Path);
            string probe = System.IO.Path.Combine(Path, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(Path, $"is not writable ({e.Message})", e);
        }
    }

    /// <summary>The entry with the highest step in its name, or null when there is none; the file is not read.</summary>
    public string? FindLatest() => ListByStep(Path).FirstOrDefault().Path;

    /// <summary>
    /// The newest checkpoint that passes every check of <see cref="Validate"/>, and every newer one that does not,
    /// newest first, each with its one-line reason. Files are read newest first until one passes.
    /// </summary>
    public CheckpointSearch FindLatestValid()
    {
        var rejected = new List<RejectedCheckpoint>();
        foreach (var (path, _) in ListByStep(Path))
        {
            try
            {
                return new CheckpointSearch(Validate(path), rejected);
            }
            catch (CheckpointException e)
            {
                rejected.Add(new RejectedCheckpoint(path, e.Message));
            }
        }
        return new CheckpointSearch(null, rejected);
    }

    /// <summary>
    /// Reads and checks <paramref name="path"/> (<see cref="Checkpoint.Read"/>) and that its RNG states
    /// (<see cref="Checkpoint.RngStateKey"/>, <see cref="Checkpoint.SampleRngStateKey"/>), when present, can be restored.
    /// </summary>
    /// <param name="path">A checkpoint file, in this directory or not.</param>
    /// <exception cref="CheckpointException">A check fails.</exception>
    public static CheckpointFile Validate(string path)
    {
        var file = Checkpoint.Read(path);
        foreach (var key in new[] { Checkpoint.RngStateKey, Checkpoint.SampleRngStateKey })
            if (file.Metadata.TryGetValue(key, out var state) && !CheckpointFile.IsGeneratorState(state))
                throw new CheckpointException(path, $"'{key}' is not a generator state (five comma-separated words of 16 hex digits): '{Checkpoint.Shorten(state)}'");
        return file;
    }

    /// <summary>
    /// Loads the newest checkpoint (by the step in its name) after the checks of <see cref="Load"/>; never falls back to an
    /// older one.
    /// </summary>
    /// <param name="configuration">The run's configuration; see <see cref="Load"/>.</param>
    /// <param name="parameters">The model's parameters by path.</param>
    /// <param name="optimizer">Receives the saved slots and step.</param>
    /// <returns>The loaded checkpoint, or null when the directory holds none.</returns>
    /// <exception cref="CheckpointException">The newest checkpoint fails a check, was written with another configuration,
    /// or does not fit the model (<see cref="CheckpointMismatchException"/>).</exception>
    public CheckpointFile? LoadLatest(string? configuration, IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer? optimizer)
    {
        string? path = FindLatest();
        return path is null ? null : Load(path, configuration, parameters, optimizer);
    }

    /// <summary>
    /// Loads <paramref name="path"/> (e.g. the result of <see cref="FindLatestValid"/> or a path the user named) into
    /// <paramref name="parameters"/> and <paramref name="optimizer"/> after <see cref="Validate"/> and after checking that it
    /// was written with <paramref name="configuration"/> (compared as JSON values: key order and number spelling aside);
    /// nothing is changed when a check fails.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="configuration">The run's configuration (<see cref="Checkpoint.ConfigurationKey"/>), or null to skip the comparison.</param>
    /// <param name="parameters">The model's parameters by path.</param>
    /// <param name="optimizer">Receives the saved slots and step, or null.</param>
    /// <returns>The loaded checkpoint (its <see cref="CheckpointFile.Verified"/> says whether checksums were recorded).</returns>
    /// <exception cref="CheckpointException">A check fails; <see cref="CheckpointMismatchException"/> for another
    /// configuration or a model or optimizer it does not fit.</exception>
    public CheckpointFile Load(string path, string? configuration, IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
        var file = Validate(path);
        if (configuration is not null)
        {
            // Before the parameters: another model would otherwise show up as a list of shape mismatches.
            if (!file.Metadata.TryGetValue(Checkpoint.ConfigurationKey, out var saved))
                throw new CheckpointException(path, $"the header records no '{Checkpoint.ConfigurationKey}'");
            if (Differences(saved, configuration) is { } differences)
                throw new CheckpointMismatchException(path, [$"it was written with another configuration ({differences})"]);
        }
        file.Restore(parameters, optimizer);
        return file;
    }

    /// <summary>
    /// Writes the checkpoint of <paramref name="step"/> (temporary file + rename, with checksums), then rotates
    /// (<see cref="Prune"/>, which keeps this one even when newer-named files exist).
    /// </summary>
    /// <param name="step">The training step: the file name and <see cref="Checkpoint.StepKey"/>.</param>
    /// <param name="parameters">The model's parameters by path.</param>
    /// <param name="optimizer">Whose slots and step to save.</param>
    /// <param name="metadata">Further strings for the header (configuration, RNG states).</param>
    /// <returns>The written path.</returns>
    /// <exception cref="CheckpointException">A value is not finite (nothing is written or deleted), or the file cannot be written.</exception>
    public string Save(long step, IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer? optimizer,
        IReadOnlyDictionary<string, string>? metadata)
    {
        string path = Checkpoint.PathFor(Path, step);
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
            foreach (var (key, value) in metadata) header[key] = value;
        header[Checkpoint.StepKey] = step.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Checkpoint.Save(path, parameters, optimizer, header);
        Rotate(path);
        return path;
    }

    /// <summary>
    /// Deletes all checkpoints but the <see cref="Keep"/> with the highest steps and the newest one that passes
    /// <see cref="Validate"/> (so rotation never leaves only corrupt or non-finite files). Entries that are directories
    /// are never deleted; other files are left alone.
    /// </summary>
    /// <returns>The deleted paths, highest step first.</returns>
    public IReadOnlyList<string> Prune() => Rotate(justWritten: null);

    private List<string> Rotate(string? justWritten)
    {
        var all = ListByStep(Path);
        var keep = all.Take(Keep).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        // Files are read newest first until one is valid; normally the newest is the one just written.
        foreach (var (path, _) in all)
            if (path == justWritten || IsValid(path))
            {
                keep.Add(path);
                break;
            }
        var deleted = new List<string>();
        foreach (var (path, _) in all)
        {
            if (keep.Contains(path) || Directory.Exists(path)) continue;
            try
            {
                File.Delete(path);
                deleted.Add(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException(path, $"cannot be deleted by rotation ({e.Message})", e);
            }
        }
        return deleted;
    }

    private static bool IsValid(string path)
    {
        try
        {
            Validate(path);
            return true;
        }
        catch (CheckpointException)
        {
            return false;
        }
    }

    // Entries of `directory` named like checkpoints (files, links, FIFOs and directories alike: reading refuses what is
    // not a regular file, so none is silently skipped), highest step first. Empty when the directory does not exist.
    internal static List<(string Path, long Step)> ListByStep(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        try
        {
            return Directory.EnumerateFileSystemEntries(directory, "ckpt-*.safetensors")
                .Select(p => (Path: p, Step: Checkpoint.StepOf(p) ?? -1))
                .Where(c => c.Step >= 0)
                .OrderByDescending(c => c.Step)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(directory, $"cannot be listed ({e.Message})", e);
        }
    }

    /// <summary>
    /// How a saved configuration differs from the run's, as <c>key: checkpoint X, this run Y</c> entries joined by
    /// <c>; </c>, or null when they are equal. JSON objects are compared as values (key order, whitespace and the
    /// spelling of numbers such as <c>1e-10</c> and <c>1E-10</c> do not matter), after filling keys missing from the
    /// saved one from the constructor's defaults; other texts are compared exactly.
    /// </summary>
    /// <param name="saved">The checkpoint's configuration.</param>
    /// <param name="current">The run's configuration.</param>
    public string? Differences(string saved, string current)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(current);
        JsonObject? there, here;
        try
        {
            there = JsonNode.Parse(saved) as JsonObject;
            here = JsonNode.Parse(current) as JsonObject;
        }
        catch (JsonException)
        {
            there = here = null;
        }
        if (there is null || here is null) return saved == current ? null : Checkpoint.Shorten(saved);
        foreach (var (key, value) in configurationDefaults ?? [])
            if (!there.ContainsKey(key)) there[key] = value?.DeepClone();
        var parts = there.Select(p => p.Key).Union(here.Select(p => p.Key), StringComparer.Ordinal)
            .Where(k => !JsonEquals(there[k], here[k]))
            .Select(k => $"{k}: checkpoint {there[k]?.ToJsonString() ?? "unset"}, this run {here[k]?.ToJsonString() ?? "unset"}")
            .ToList();
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    // JSON values equal as values: numbers by their decimal value (1e-10 == 1E-10 == 0.0000000001).
    private static bool JsonEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a is JsonValue va && b is JsonValue vb && va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number)
        {
            string ta = va.ToJsonString(), tb = vb.ToJsonString();
            const System.Globalization.NumberStyles Float = System.Globalization.NumberStyles.Float;
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            if (decimal.TryParse(ta, Float, invariant, out var da) && decimal.TryParse(tb, Float, invariant, out var db)) return da == db;
            return double.TryParse(ta, Float, invariant, out var fa) && double.TryParse(tb, Float, invariant, out var fb) && fa == fb;
        }
        if (a is JsonObject oa && b is JsonObject ob)
            return oa.Count == ob.Count && oa.All(p => ob.ContainsKey(p.Key) && JsonEquals(p.Value, ob[p.Key]));
        if (a is JsonArray aa && b is JsonArray ab)
            return aa.Count == ab.Count && aa.Zip(ab).All(p => JsonEquals(p.First, p.Second));
        return JsonNode.DeepEquals(a, b);
    }
}

/// <summary>The result of <see cref="CheckpointDirectory.FindLatestValid"/>.</summary>
/// <param name="Latest">The newest checkpoint that passed every check, or null when none did.</param>
/// <param name="Rejected">The newer checkpoints that failed, newest first, with their reasons.</param>
public sealed record CheckpointSearch(CheckpointFile? Latest, IReadOnlyList<RejectedCheckpoint> Rejected);

/// <summary>A checkpoint that failed a check.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">The one-line error (the <see cref="CheckpointException"/> message, which starts with the path).</param>
public sealed record RejectedCheckpoint(string Path, string Reason);
